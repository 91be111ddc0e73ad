import type { MikroORM } from '@mikro-orm/postgresql';
import type { Pooled } from './pool-registry';

/** The knex (tarn) pool under a MikroORM SQL connection: `max` is read on every acquire. */
interface TarnPool {
  max: number;
  numUsed(): number;
  numFree(): number;
  numPendingCreates(): number;
}

/**
 * A tenant's MikroORM instance whose connection pool can be closed and opened again.
 *
 * The instance (entity manager, metadata, flush subscribers) stays; only the knex pool behind
 * its connection goes: MikroORM 6's `Connection.close()` destroys the knex instance and
 * `connect()` builds a new one from the same configuration (host, role, password, pool options),
 * which opens no connection before a query needs one (pool min 0). The pool's size is set on
 * the live tarn pool, which checks `max` each time it decides to open a connection.
 * test/medium/tenant-orm-pool.medium-spec.ts guards this against an upgrade.
 */
export class TenantOrmPool implements Pooled {
  private open = false;

  constructor(readonly orm: MikroORM) {}

  async connect(size: number): Promise<void> {
    const connection = this.orm.em.getConnection();
    await connection.connect();
    this.open = true;
    this.resize(size);
    const check = await connection.checkConnection();
    if (!check.ok) {
      await this.disconnect();
      throw new Error(check.reason);
    }
  }

  resize(size: number): void {
    const pool = this.pool();
    if (!pool) throw new Error('knex pool internals changed: update TenantOrmPool');
    pool.max = size;
  }

  async disconnect(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    const connection = this.orm.em.getConnection();
    await connection.close(true);
    // The destroyed knex instance stays referenced until the next connect (~38 KiB per kept
    // instance, a thousand of them past the budget): dropped now, connect() builds a new one.
    (connection as unknown as { client?: unknown }).client = undefined;
  }

  connections(): number {
    const pool = this.open ? this.pool() : undefined;
    return pool ? pool.numUsed() + pool.numFree() + pool.numPendingCreates() : 0;
  }

  /** The pool's size right now (0 when disconnected). */
  size(): number {
    return this.open ? (this.pool()?.max ?? 0) : 0;
  }

  async close(): Promise<void> {
    this.open = false;
    await this.orm.close(true);
  }

  private pool(): TarnPool | undefined {
    return (this.orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
  }
}
