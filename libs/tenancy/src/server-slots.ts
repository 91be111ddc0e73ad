import { PoolBusyError } from './pool-registry';

export interface ServerSlotsOptions {
  /** Tenant databases that may hold server connections at once (from this process). */
  slots: number;
  /** How long a database keeps its slot after its last lease ends (the pooler's server_idle_timeout and then some). */
  lingerMs: number;
  /** How long `acquire` waits for a slot before giving up. */
  acquireTimeoutMs: number;
  now?: () => number;
}

interface Slot {
  inUse: number;
  /** While unused: when the pooler has closed its server connections and the slot is free again. */
  freeAt: number;
}

export interface ServerSlotsStats {
  slots: number;
  held: number;
  waiting: number;
}

/**
 * The PostgreSQL connections a pooler (PgBouncer, transaction mode) opens for this process's
 * tenant traffic, bounded. PgBouncer keeps up to max_db_connections server connections per tenant
 * database, and closes an unused one only after server_idle_timeout; it has no limit across
 * databases. So a tenant database holds a slot from its first lease until `lingerMs` after its
 * last one, and a new database waits for a free slot: at most `slots` databases have server
 * connections because of this process, whatever its client connections to the pooler.
 */
export class ServerSlots {
  private readonly held = new Map<string, Slot>();
  private wakers: Array<() => void> = [];
  /** New databases waiting for a slot, in arrival order. */
  private readonly queue: object[] = [];
  private readonly now: () => number;

  constructor(private readonly options: ServerSlotsOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Takes (or shares) the slot of `key`; the returned function gives the lease back (once). A
   * database that already holds a slot gets in at once; new databases take free slots first
   * come, first served, so none starves behind later arrivals.
   */
  async acquire(key: string, deadline = this.now() + this.options.acquireTimeoutMs): Promise<() => void> {
    const ticket = {};
    let queued = false;
    try {
      for (;;) {
        const held = this.held.get(key);
        if (held) return this.lease(held);
        if ((this.queue.length === 0 || this.queue[0] === ticket) && this.hasRoom()) return this.lease(this.take(key));
        if (!queued) {
          this.queue.push(ticket);
          queued = true;
        }
        const now = this.now();
        if (now >= deadline) throw new PoolBusyError();
        await this.wait(Math.min(deadline, this.nextFree() ?? deadline) - now);
      }
    } finally {
      if (queued) {
        this.queue.splice(this.queue.indexOf(ticket), 1);
        this.wake(); // the next in line may go now
      }
    }
  }

  private lease(slot: Slot): () => void {
    slot.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--slot.inUse === 0) slot.freeAt = this.now() + this.options.lingerMs;
      this.wake();
    };
  }

  stats(): ServerSlotsStats {
    this.expire();
    return { slots: this.options.slots, held: this.held.size, waiting: this.queue.length };
  }

  private take(key: string): Slot {
    const slot = { inUse: 0, freeAt: 0 };
    this.held.set(key, slot);
    return slot;
  }

  private hasRoom(): boolean {
    if (this.held.size < this.options.slots) return true;
    this.expire();
    return this.held.size < this.options.slots;
  }

  /** Frees the slots whose linger has passed. */
  private expire(): void {
    const now = this.now();
    for (const [key, slot] of this.held) if (slot.inUse === 0 && slot.freeAt <= now) this.held.delete(key);
  }

  private nextFree(): number | undefined {
    let next: number | undefined;
    for (const slot of this.held.values())
      if (slot.inUse === 0 && (next === undefined || slot.freeAt < next)) next = slot.freeAt;
    return next;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers = this.wakers.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.wakers.push(done);
    });
  }

  /** A released lease may let a waiter for the same database in, or change the next expiry. */
  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}
