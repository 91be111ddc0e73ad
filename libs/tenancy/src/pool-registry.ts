/** One instance (a tenant's MikroORM) whose connection pool can be closed and opened again. */
export interface Pooled {
  /** Opens the connection pool with room for `size` connections (none is opened before it is needed). */
  connect(size: number): Promise<void>;
  /** Lets the open pool hold up to `size` connections (only ever grows). */
  resize(size: number): void;
  /** Closes every connection of the pool; the instance stays, `connect` opens it again. */
  disconnect(): Promise<void>;
  /** Connections the pool holds right now (0 when disconnected). */
  connections(): number;
  /** Closes the pool for good: the instance is dropped. */
  close(): Promise<void>;
}

export interface PoolRegistryOptions {
  /** Connections all pools together may hold: the budget. */
  maxConnections: number;
  /** Connections one pool may grow to while the budget has room (TENANT_POOL_SIZE). */
  poolSize: number;
  /** Instances kept (connected or not): a memory bound; only unused ones are dropped. */
  maxInstances: number;
  /** A pool unused this long may be closed to let a busy one grow. */
  coldMs: number;
  /** An instance unused for longer than this is closed by `sweepIdle`. */
  idleMs: number;
  /** How long `acquire` waits for a connection slot before giving up. */
  acquireTimeoutMs: number;
  now?: () => number;
}

export interface Lease<T> {
  readonly value: T;
  release(): void;
}

export class PoolBusyError extends Error {
  constructor() {
    super('every tenant connection slot is in use');
    this.name = 'PoolBusyError';
  }
}

type State = 'disconnected' | 'connecting' | 'connected' | 'disconnecting';

interface Entry<T> {
  key: string;
  ready: Promise<T>;
  value?: T;
  inUse: number;
  lastUsed: number;
  state: State;
  /** Connections reserved in the budget for this pool (its size; 0 when disconnected). */
  slots: number;
  /** Times its pool was opened. */
  connects: number;
  /** The wait for a connection slot of the connect under way. */
  reserving?: Promise<void>;
  /** The connect or disconnect under way. */
  pending?: Promise<void>;
  /** Out of the map (evicted or dropped): closed on its last release, its slots held until then. */
  doomed?: boolean;
  /** Being closed or closed: never connected again. */
  closed?: boolean;
}

interface SlotRequest {
  grant(): void;
  fail(error: Error): void;
}

export interface PoolRegistryStats {
  /** Instances kept (connected or not). */
  open: number;
  /** Instances being created. */
  opening: number;
  /** Pools with connections reserved (connected or connecting). */
  connected: number;
  /** Pools and instances being closed. */
  closing: number;
  /** Connected pools serving a request or job. */
  inUse: number;
  /** Requests waiting for a connection slot. */
  waiting: number;
  /** Connections reserved in the budget (the sum of the pools' sizes). */
  reserved: number;
  /** Pools closed to make room for another tenant (the instance kept). */
  evictions: number;
  /** Instances created. */
  created: number;
  /** Pools opened again on a kept instance. */
  reconnects: number;
}

/**
 * Per-key instances (one MikroORM per tenant database) under a budget of CONNECTIONS.
 *
 * Instances are cheap and kept (up to maxInstances, least recently used unused ones dropped);
 * connections are scarce. A pool starts with one connection slot and grows towards poolSize
 * while the budget has spare slots beyond a headroom (a tenth of the budget) kept for
 * newcomers. When a tenant needs a slot and none is free, or the headroom runs low, the least
 * recently used pools that serve nobody are closed (their instances kept), so a returning
 * tenant costs one connection, not a new instance, and seldom waits for it. Slots are
 * reserved before a pool may open a connection and freed only once its connections are
 * closed, so the connections held never exceed maxConnections. Requests for slots are served first come, first served; one that
 * waits longer than acquireTimeoutMs gets PoolBusyError. An instance in use is never closed.
 */
export class PoolRegistry<T extends Pooled> {
  private readonly entries = new Map<string, Entry<T>>(); // iteration order = least recently used first
  private readonly doomed = new Set<Entry<T>>();
  private readonly closing = new Set<Promise<void>>();
  private queue: SlotRequest[] = [];
  private reserved = 0;
  /** Slots that pools being closed will free. */
  private freeing = 0;
  private evictions = 0;
  private created = 0;
  private reconnects = 0;
  private readonly now: () => number;
  /** Slots kept free for newcomers: growth stops short of them, idle pools close to restore them. */
  private readonly headroom: number;

  constructor(private readonly options: PoolRegistryOptions) {
    this.now = options.now ?? Date.now;
    this.headroom = Math.floor(options.maxConnections / 10);
  }

  /** `deadline` (this registry's clock): when the caller already waited for something else first. */
  async acquire(
    key: string,
    create: () => Promise<T>,
    deadline = this.now() + this.options.acquireTimeoutMs,
  ): Promise<Lease<T>> {
    const entry = this.entries.get(key) ?? this.open(key, create);
    entry.inUse++;
    this.touch(entry);
    let value: T;
    try {
      value = await entry.ready;
      await this.connected(entry, deadline);
    } catch (error) {
      this.release(entry);
      throw error;
    }
    this.grow(entry);
    return this.lease(entry, value);
  }

  private lease(entry: Entry<T>, value: T): Lease<T> {
    let released = false;
    return {
      value,
      release: () => {
        if (released) return;
        released = true;
        this.release(entry);
      },
    };
  }

  /**
   * A lease on the key's instance at once, without a promise, when its pool is connected (a
   * busy tenant's every request); undefined when `acquire` must create, connect or wait.
   */
  tryAcquire(key: string): Lease<T> | undefined {
    const entry = this.entries.get(key);
    if (!entry?.value || entry.state !== 'connected' || entry.closed) return undefined;
    entry.inUse++;
    this.touch(entry);
    this.grow(entry);
    return this.lease(entry, entry.value);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** The instances kept (for connection counts). */
  values(): T[] {
    return [...this.entries.values(), ...this.doomed].flatMap((e) => (e.value ? [e.value] : []));
  }

  /** Closes instances (and their pools) unused for longer than idleMs; returns how many. */
  async sweepIdle(): Promise<number> {
    const cutoff = this.now() - this.options.idleMs;
    const idle = [...this.entries.values()].filter((e) => e.inUse === 0 && e.value && e.lastUsed < cutoff);
    await Promise.all(idle.map((e) => this.drop(e)));
    return idle.length;
  }

  /**
   * Closes one key's instance and pool as soon as it is unused (e.g. its tenant was suspended).
   * New acquires of the key create a fresh instance; the evicted one keeps its slots until closed.
   */
  async evict(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry) await this.drop(entry);
  }

  /** Waits (up to timeoutMs) for every lease to be released: in-flight work finishes before pools close. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs;
    const busy = () => [...this.entries.values(), ...this.doomed].some((e) => e.inUse > 0);
    while (busy() && this.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  async closeAll(): Promise<void> {
    for (const request of this.queue.splice(0)) request.fail(new PoolBusyError());
    for (const entry of this.entries.values()) {
      this.entries.delete(entry.key);
      entry.doomed = true;
      this.doomed.add(entry);
    }
    await Promise.all([...this.doomed].map((e) => this.close(e)));
    await Promise.all([...this.closing]);
  }

  stats(): PoolRegistryStats {
    let inUse = 0;
    let opening = 0;
    let connected = 0;
    let disconnecting = 0;
    for (const e of this.entries.values()) {
      inUse += e.inUse > 0 && e.state === 'connected' ? 1 : 0;
      opening += e.value ? 0 : 1;
      connected += e.state === 'connected' || e.state === 'connecting' ? 1 : 0;
      disconnecting += e.state === 'disconnecting' ? 1 : 0;
    }
    for (const e of this.doomed) inUse += e.inUse > 0 && e.state === 'connected' ? 1 : 0;
    return {
      open: this.entries.size - opening,
      opening,
      connected,
      closing: disconnecting + this.doomed.size + this.closing.size,
      inUse,
      waiting: this.queue.length,
      reserved: this.reserved,
      evictions: this.evictions,
      created: this.created,
      reconnects: this.reconnects,
    };
  }

  private open(key: string, create: () => Promise<T>): Entry<T> {
    this.makeRoomForInstance();
    const entry: Entry<T> = {
      key,
      inUse: 0,
      lastUsed: this.now(),
      state: 'disconnected',
      slots: 0,
      connects: 0,
      ready: Promise.resolve() as unknown as Promise<T>,
    };
    entry.ready = create().then(
      (value) => {
        entry.value = value;
        this.created++;
        return value;
      },
      (error: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw error;
      },
    );
    this.entries.set(key, entry);
    return entry;
  }

  /** Past maxInstances, the least recently used instance nobody uses is dropped (pool and all). */
  private makeRoomForInstance(): void {
    if (this.entries.size < this.options.maxInstances) return;
    for (const entry of this.entries.values()) {
      if (entry.inUse === 0 && entry.value) {
        void this.drop(entry);
        return;
      }
    }
  }

  /** Resolves once the entry's pool is connected, reserving a slot (and waiting for one) if needed. */
  private async connected(entry: Entry<T>, deadline: number): Promise<void> {
    for (;;) {
      if (entry.closed) throw new PoolBusyError();
      if (entry.state === 'connected') return;
      if (entry.pending) {
        try {
          // Only the wait for a slot is bounded; a connect or disconnect under way is bounded by itself.
          if (entry.reserving) await this.raceDeadline(entry.reserving, deadline);
          await entry.pending;
        } catch (error) {
          // Another lease's wait for a slot ran out first: this one may wait until its own deadline.
          if (!(error instanceof PoolBusyError) || this.now() >= deadline) throw error;
        }
        continue;
      }
      // Disconnected: single flight for this entry from here on.
      entry.state = 'connecting';
      entry.pending = this.connect(entry, deadline).finally(() => (entry.pending = undefined));
      await entry.pending; // the wait for a slot is bounded by this lease's deadline
      return;
    }
  }

  private async connect(entry: Entry<T>, deadline: number): Promise<void> {
    entry.reserving = this.reserve(deadline);
    try {
      await entry.reserving;
    } catch (error) {
      entry.state = 'disconnected';
      throw error;
    } finally {
      entry.reserving = undefined;
    }
    entry.slots = 1;
    try {
      await entry.value!.connect(entry.slots);
    } catch (error) {
      entry.state = 'disconnected';
      entry.slots = 0;
      this.free(1);
      throw error;
    }
    if (entry.connects++ > 0) this.reconnects++;
    entry.state = 'connected';
  }

  /** Takes one slot of the budget, first come first served, reclaiming idle pools when none is free. */
  private reserve(deadline: number): Promise<void> {
    if (this.queue.length === 0 && this.reserved < this.options.maxConnections) {
      this.reserved++;
      this.reclaim(); // keep the headroom for the next newcomer
      return Promise.resolve();
    }
    const remaining = deadline - this.now();
    if (remaining <= 0) return Promise.reject(new PoolBusyError());
    return new Promise<void>((resolve, reject) => {
      const request: SlotRequest = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.queue = this.queue.filter((r) => r !== request);
        reject(new PoolBusyError());
      }, remaining);
      this.queue.push(request);
      this.reclaim();
    });
  }

  /**
   * Gives free slots to waiting requests, then closes the least recently used idle pools for
   * those still waiting and to keep `headroom` slots free, so a newcomer seldom waits.
   */
  private reclaim(): void {
    while (this.queue.length > 0 && this.reserved < this.options.maxConnections) {
      this.reserved++;
      this.queue.shift()!.grant();
    }
    let needed = this.queue.length + this.headroom - (this.options.maxConnections - this.reserved) - this.freeing;
    if (needed <= 0) return;
    for (const entry of this.entries.values()) {
      if (needed <= 0) return;
      if (entry.inUse > 0 || entry.state !== 'connected') continue;
      needed -= entry.slots;
      this.evictions++;
      void this.disconnect(entry);
    }
  }

  /** Closes an idle pool (the instance stays); its slots are freed once its connections are closed. */
  private disconnect(entry: Entry<T>): Promise<void> {
    const slots = entry.slots;
    entry.state = 'disconnecting';
    this.freeing += slots;
    entry.pending = entry
      .value!.disconnect()
      .catch(() => undefined)
      .finally(() => {
        entry.pending = undefined;
        entry.slots = 0;
        entry.state = 'disconnected';
        this.freeing -= slots;
        this.free(slots);
      });
    return entry.pending;
  }

  /**
   * A busy pool grows towards poolSize (one connection more than its users) from slots nobody
   * waits for. With none free and more users than connections, the least recently used pool
   * unused for coldMs is closed, so its slots go to the next growth: hot tenants take the
   * connections cold ones left idle.
   */
  private grow(entry: Entry<T>): void {
    if (entry.state !== 'connected' || entry.doomed) return;
    const wanted = Math.min(this.options.poolSize, entry.inUse + 1);
    if (entry.slots >= wanted || this.queue.length > 0) return;
    const extra = Math.min(wanted - entry.slots, this.options.maxConnections - this.headroom - this.reserved);
    if (extra <= 0) {
      // Closing another tenant's pool only pays when this one's users queue for a connection.
      if (this.freeing === 0 && entry.inUse > entry.slots) this.closeColdPool();
      return;
    }
    this.reserved += extra;
    entry.slots += extra;
    entry.value!.resize(entry.slots);
  }

  private closeColdPool(): void {
    const cutoff = this.now() - this.options.coldMs;
    for (const entry of this.entries.values()) {
      if (entry.lastUsed >= cutoff) return; // least recently used first: the rest are warmer
      if (entry.inUse > 0 || entry.state !== 'connected') continue;
      this.evictions++;
      void this.disconnect(entry);
      return;
    }
  }

  private free(slots: number): void {
    this.reserved -= slots;
    this.reclaim();
  }

  private release(entry: Entry<T>): void {
    entry.inUse--;
    entry.lastUsed = this.now();
    if (entry.inUse > 0) return;
    if (entry.doomed) {
      void this.close(entry);
      return;
    }
    this.touch(entry);
    this.reclaim();
  }

  /** Most recently used last. */
  private touch(entry: Entry<T>): void {
    if (this.entries.get(entry.key) !== entry) return;
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
  }

  /** Takes the entry out of the map; it is closed now if unused, else on its last release. */
  private drop(entry: Entry<T>): Promise<void> {
    if (this.entries.get(entry.key) !== entry) return Promise.resolve();
    this.entries.delete(entry.key);
    entry.doomed = true;
    this.doomed.add(entry);
    return entry.inUse === 0 ? this.close(entry) : Promise.resolve();
  }

  /** Closes a doomed entry's instance and pool, then frees its slots. */
  private close(entry: Entry<T>): Promise<void> {
    if (!this.doomed.delete(entry)) return Promise.resolve();
    entry.closed = true;
    const freeing = entry.state === 'connected' ? entry.slots : 0;
    this.freeing += freeing;
    const closing: Promise<void> = entry.ready
      .then(async (value) => {
        await entry.pending?.catch(() => undefined);
        await value.close();
      })
      .catch(() => undefined)
      .finally(() => {
        this.closing.delete(closing);
        this.freeing -= freeing;
        const slots = entry.slots;
        entry.slots = 0;
        entry.state = 'disconnected';
        this.free(slots);
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
}
