export interface Closable {
  close(): Promise<void>;
}

export interface PoolRegistryOptions {
  /** Most instances open at once (each holds its own connection pool). */
  maxPools: number;
  /** An unused instance older than this is closed by `sweepIdle`. */
  idleMs: number;
  /** How long `acquire` waits for a free slot before giving up. */
  acquireTimeoutMs: number;
  now?: () => number;
}

export interface Lease<T> {
  readonly value: T;
  release(): void;
}

export class PoolBusyError extends Error {
  constructor() {
    super('every tenant pool slot is in use');
    this.name = 'PoolBusyError';
  }
}

interface Entry<T> {
  key: string;
  ready: Promise<T>;
  value?: T;
  inUse: number;
  lastUsed: number;
  /** Evicted while in use: out of the map, still in the budget, closed on its last release. */
  doomed?: boolean;
}

export interface PoolRegistryStats {
  open: number;
  opening: number;
  closing: number;
  inUse: number;
  waiting: number;
  evictions: number;
  created: number;
}

/**
 * A bounded, least-recently-used set of per-key instances (one MikroORM per tenant database).
 * Creation is single-flight per key; an instance in use is never closed; when every slot is
 * held by an instance in use, callers wait for a release (up to acquireTimeoutMs).
 * Instances being closed still count against the budget until their pool is gone.
 */
export class PoolRegistry<T extends Closable> {
  private readonly entries = new Map<string, Entry<T>>(); // iteration order = least recently used first
  private readonly closing = new Set<Promise<void>>();
  private readonly doomed = new Set<Entry<T>>();
  private waiters: Array<() => void> = [];
  private evictions = 0;
  private created = 0;
  private readonly now: () => number;

  constructor(private readonly options: PoolRegistryOptions) {
    this.now = options.now ?? Date.now;
  }

  async acquire(key: string, create: () => Promise<T>): Promise<Lease<T>> {
    const deadline = this.now() + this.options.acquireTimeoutMs;
    for (;;) {
      const entry = this.entries.get(key);
      if (entry) return this.lease(entry);
      if (this.occupied() < this.options.maxPools) return this.lease(this.open(key, create));
      const victim = this.leastRecentlyUsedIdle();
      if (victim) {
        this.evictions++;
        await this.close(victim);
        continue;
      }
      if (this.closing.size > 0) {
        await this.raceDeadline(Promise.race(this.closing), deadline);
        continue;
      }
      await this.waitForRelease(deadline);
    }
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** The open instances (for connection counts). */
  values(): T[] {
    return [...this.entries.values(), ...this.doomed].flatMap((e) => (e.value ? [e.value] : []));
  }

  /** Closes instances unused for longer than idleMs; returns how many. */
  async sweepIdle(): Promise<number> {
    const cutoff = this.now() - this.options.idleMs;
    const idle = [...this.entries.values()].filter((e) => e.inUse === 0 && e.value && e.lastUsed < cutoff);
    await Promise.all(idle.map((e) => this.close(e)));
    return idle.length;
  }

  /**
   * Closes one key's instance as soon as it is unused (e.g. its tenant was suspended). New
   * acquires of the key open a fresh instance; the evicted one keeps its slot until closed.
   */
  async evict(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.inUse === 0) return this.close(entry);
    this.entries.delete(key);
    entry.doomed = true;
    this.doomed.add(entry);
  }

  /** Waits (up to timeoutMs) for every lease to be released: in-flight work finishes before pools close. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs;
    const busy = () => [...this.entries.values(), ...this.doomed].some((e) => e.inUse > 0);
    while (busy() && this.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    await Promise.all([...all, ...this.doomed].map((e) => this.close(e)));
    await Promise.all([...this.closing]);
  }

  stats(): PoolRegistryStats {
    let inUse = 0;
    let opening = 0;
    for (const e of this.entries.values()) {
      inUse += e.inUse > 0 ? 1 : 0;
      opening += e.value ? 0 : 1;
    }
    return {
      open: this.entries.size - opening,
      opening,
      closing: this.closing.size + this.doomed.size,
      inUse,
      waiting: this.waiters.length,
      evictions: this.evictions,
      created: this.created,
    };
  }

  private open(key: string, create: () => Promise<T>): Entry<T> {
    const entry: Entry<T> = { key, inUse: 0, lastUsed: this.now(), ready: Promise.resolve() as unknown as Promise<T> };
    entry.ready = create().then(
      (value) => {
        entry.value = value;
        this.created++;
        return value;
      },
      (error: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        this.wakeOne();
        throw error;
      },
    );
    this.entries.set(key, entry);
    return entry;
  }

  private async lease(entry: Entry<T>): Promise<Lease<T>> {
    entry.inUse++;
    entry.lastUsed = this.now();
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry); // most recently used last
    let value: T;
    try {
      value = await entry.ready;
    } catch (error) {
      entry.inUse--;
      throw error;
    }
    let released = false;
    return {
      value,
      release: () => {
        if (released) return;
        released = true;
        entry.inUse--;
        entry.lastUsed = this.now();
        if (entry.inUse > 0) return;
        if (entry.doomed) {
          void this.close(entry);
          return;
        }
        if (this.entries.get(entry.key) === entry) {
          this.entries.delete(entry.key);
          this.entries.set(entry.key, entry); // most recently used last, by release time
        }
        this.wakeOne();
      },
    };
  }

  private leastRecentlyUsedIdle(): Entry<T> | undefined {
    for (const entry of this.entries.values()) if (entry.inUse === 0 && entry.value) return entry;
    return undefined;
  }

  private occupied(): number {
    return this.entries.size + this.closing.size + this.doomed.size;
  }

  private close(entry: Entry<T>): Promise<void> {
    if (entry.doomed) {
      if (!this.doomed.delete(entry)) return Promise.resolve();
    } else {
      if (this.entries.get(entry.key) !== entry) return Promise.resolve();
      this.entries.delete(entry.key);
    }
    const closing: Promise<void> = entry.ready
      .then((value) => value.close())
      .catch(() => undefined)
      .finally(() => {
        this.closing.delete(closing);
        this.wakeOne();
      });
    this.closing.add(closing);
    return closing;
  }

  private raceDeadline(promise: Promise<unknown>, deadline: number): Promise<unknown> {
    const remaining = deadline - this.now();
    if (remaining <= 0) return Promise.reject(new PoolBusyError());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PoolBusyError()), remaining);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private waitForRelease(deadline: number): Promise<void> {
    const remaining = deadline - this.now();
    if (remaining <= 0) return Promise.reject(new PoolBusyError());
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(new PoolBusyError());
      }, remaining);
      this.waiters.push(wake);
    });
  }

  private wakeOne(): void {
    this.waiters.shift()?.();
  }
}
