import { CATALOG_URL, parsePostgresUrl, withClient } from '@app/catalog';
import { describeError } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { FLEET_JOB, JobEnvelope, JobQueue } from '@app/jobs';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DatabaseAdmin } from './database-admin';
import { DatabaseServers } from './database-servers';
import { TemplateDatabases } from './template-databases';
import { TenantMigrator } from './tenant-migrator';

/** A `spares` job: bring one server's spare databases to the configured count. */
export interface SpareRefillJob {
  server: string;
}

export interface SpareRefill {
  server: string;
  created: number;
  /** Spares dropped: older than the template, beyond the count, or left without a catalog row. */
  dropped: number;
  /** Claims of tenants no longer onboarding, given back or forgotten. */
  released: number;
}

/** The tenant an onboarding claims a spare for. */
export interface SpareClaimant {
  id: string;
  dbName: string;
  dbRole: string;
  /** The password the tenant's role logs in with (sent to PostgreSQL only as its SCRAM verifier). */
  dbPassword: string;
}

/**
 * A refill after a claim waits this long, and each clone waits until no claim of this process came
 * for as long (at most QUIET_WAIT_MS): a burst of sign-ups goes first, the clones that replace its
 * spares (CREATE DATABASE, one at a time on the server) after it.
 */
const SETTLE_MS = 1000;
const QUIET_WAIT_MS = 10_000;
/** Longest wait for a queued refill to report; past it this process may queue the next one. */
const REFILL_WAIT_MS = 5 * 60_000;

/** Settles like `promise`, or rejects after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

interface SpareRow {
  id: string;
  db_name: string;
  schema_version: string;
}

/**
 * A few pre-made tenant databases per server (TENANT_SPARE_DATABASES), so onboarding renames one
 * instead of waiting for CREATE DATABASE, which the server runs one at a time. A spare is a clone of
 * the template with a role of its name that has a tenant role's privileges and settings but can not
 * log in: a claim renames both and sets the password, and the saga's role and grants steps fall
 * away with the clone. Each spare is a row of
 * the catalog's `spare_databases` with the template version it was cloned at. A claim marks a row
 * `claimed_by` the tenant (`FOR UPDATE SKIP LOCKED`: two onboardings never get one spare), renames
 * the database, then deletes the row; an attempt killed in between finds its claim again. The
 * `spares` queue (SparesProcessor) refills a second after a claim, at start-up and every
 * TENANT_SPARE_REFILL_MS, one server at a time under an advisory lock: it drops spares of an older
 * template and those beyond the count, gives back claims of tenants no longer onboarding, drops
 * spare databases the catalog does not know (a refill killed mid-way), and clones the rest.
 */
@Injectable()
export class SpareDatabases implements OnModuleDestroy {
  private readonly logger = new Logger(SpareDatabases.name);
  /** Refills this process queued and that have not ended; `again`: a claim came meanwhile. */
  private readonly queued = new Map<string, { again: boolean }>();
  /** When this process last claimed a spare of each server. */
  private readonly lastClaim = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CATALOG_URL) private readonly catalogUrl: string,
    private readonly servers: DatabaseServers,
    private readonly admin: DatabaseAdmin,
    private readonly templates: TemplateDatabases,
    private readonly migrator: TenantMigrator,
    private readonly jobs: JobQueue,
  ) {}

  /**
   * Called once by the processes that run workers (apps/api, apps/worker), not by the CLI: a refill
   * of every server now (it also drops spares left when the count went to 0), then every
   * TENANT_SPARE_REFILL_MS as a backstop.
   */
  keepFilled(): void {
    for (const server of this.servers.names()) this.requestRefill(server);
    if (this.config.spareDatabases.count === 0 || this.timer) return;
    this.timer = setInterval(() => {
      for (const server of this.servers.names()) this.requestRefill(server);
    }, this.config.spareDatabases.refillMs);
    this.timer.unref();
  }

  /**
   * No more refills, and one under way stops after its clone in flight; one still waiting to run is
   * dropped by the closing queue (the next start refills). The first shutdown phase, so the queue's
   * close (beforeApplicationShutdown) never waits for a whole refill.
   */
  onModuleDestroy(): void {
    this.closing = true;
    clearInterval(this.timer);
  }

  /** The name of a new spare: below the tenant prefix (tests and offboarding tools find it), never a tenant's. */
  private spareName(): string {
    return `${this.sparePrefix()}${randomBytes(6).toString('hex')}`;
  }

  private sparePrefix(): string {
    return `${this.config.tenantDbPrefix}_spare_`;
  }

  /**
   * The `database` step with a spare: the tenant's earlier claim if an attempt was killed mid-way,
   * else a new one, renamed to the tenant's database and role. Returns the schema version it was
   * cloned at, or null when there was none to take (spares off, none ready, or the tenant's database
   * or role exists already): the caller then makes the role and clones the template as usual.
   */
  async claimInto(server: string, tenant: SpareClaimant): Promise<string | null> {
    const conn = this.orm.em.fork().getConnection();
    const earlier = await conn.execute<SpareRow[]>(
      'select id, db_name, schema_version from spare_databases where claimed_by = ? and db_server = ?',
      [tenant.id, server],
    );
    let adopted: string | null = null;
    for (const row of earlier) adopted = (await this.adopt(server, tenant, row)) ?? adopted;
    if (adopted || this.config.spareDatabases.count === 0) return adopted;
    const latest = this.migrator.latestVersion();
    for (let tries = 0; tries < 3; tries++) {
      const [row] = await conn.execute<SpareRow[]>(
        `update spare_databases set claimed_by = ?, claimed_at = now()
          where claimed_by is null and id = (
            select id from spare_databases
             where db_server = ? and schema_version = ? and claimed_by is null
             order by created_at limit 1 for update skip locked)
          returning id, db_name, schema_version`,
        [tenant.id, server, latest],
      );
      if (!row) break;
      const version = await this.adopt(server, tenant, row);
      if (version) return version;
      if (await this.tenantDatabaseExists(server, tenant)) break;
    }
    return null;
  }

  /** Renames a spare the tenant claimed into its database and role; null when it could not (then the claim is settled). */
  private async adopt(server: string, tenant: SpareClaimant, row: SpareRow): Promise<string | null> {
    const conn = this.orm.em.fork().getConnection();
    const outcome = await this.admin.adoptSpareDatabase(
      server,
      row.db_name,
      tenant.dbName,
      tenant.dbRole,
      tenant.dbPassword,
    );
    if (outcome === 'adopted' || outcome === 'missing' || !(await this.spareExists(server, row.db_name))) {
      // Renamed now, or before an attempt was killed (the tenant's database holds it): the spare is spent.
      await conn.execute('delete from spare_databases where id = ?', [row.id]);
      this.lastClaim.set(server, Date.now());
      this.requestRefill(server, SETTLE_MS);
      return outcome === 'adopted' ? row.schema_version : null;
    }
    // The tenant's database or role exists already (an earlier attempt made it), or the spare is in use: give it back.
    if (outcome === 'busy') this.logger.warn(`spare ${row.db_name} on ${server} is in use; given back`);
    await conn.execute('update spare_databases set claimed_by = null, claimed_at = null where id = ?', [row.id]);
    return null;
  }

  private async spareExists(server: string, name: string): Promise<boolean> {
    return this.admin.databaseExists(server, name);
  }

  private async tenantDatabaseExists(server: string, tenant: SpareClaimant): Promise<boolean> {
    return this.admin.databaseExists(server, tenant.dbName);
  }

  /**
   * Queues a refill of `server` (after `delayMs`) unless one this process queued has not ended yet; a
   * request meanwhile queues one more after it, so no claim goes unanswered.
   */
  requestRefill(server: string, delayMs = 0): void {
    if (this.closing) return;
    const pending = this.queued.get(server);
    if (pending) {
      pending.again = true;
      return;
    }
    const state = { again: false };
    this.queued.set(server, state);
    const envelope: JobEnvelope<SpareRefillJob> = { ...FLEET_JOB, correlationId: randomUUID(), data: { server } };
    void this.jobs
      .enqueue('spares', envelope, { jobId: `spares:${server}:${randomUUID()}`, delayMs })
      // Bounded: a completion event lost across a Redis reconnect must not stop this server's refills for good.
      .then((id) => withTimeout(this.jobs.wait('spares', id), REFILL_WAIT_MS))
      .catch((error: unknown) => {
        if (!this.closing) this.logger.warn(`refilling the spares of ${server}: ${describeError(error)}`);
      })
      .finally(() => {
        this.queued.delete(server);
        if (state.again) this.requestRefill(server, SETTLE_MS);
      });
  }

  /** One `spares` job (SparesProcessor). */
  async runJob(job: JobEnvelope<SpareRefillJob>): Promise<SpareRefill> {
    this.servers.get(job.data.server); // throws for a server that left tenants.config.json
    return this.refill(job.data.server);
  }

  /** Brings the server's spares to the configured count at the template's version; one refill per server at a time. */
  async refill(server: string): Promise<SpareRefill> {
    return withClient(parsePostgresUrl(this.catalogUrl), async (lock) => {
      await lock.query("select pg_advisory_lock(hashtext('spares:' || $1))", [server]);
      try {
        return await this.refillLocked(server);
      } finally {
        await lock.query("select pg_advisory_unlock(hashtext('spares:' || $1))", [server]);
      }
    });
  }

  private async refillLocked(server: string): Promise<SpareRefill> {
    const conn = this.orm.em.fork().getConnection();
    const result: SpareRefill = { server, created: 0, dropped: 0, released: 0 };
    const target = this.config.spareDatabases.count;
    if (target > 0) await this.templates.ensureReady(server); // the template at this code's version first
    const latest = this.migrator.latestVersion();
    result.released = await this.releaseAbandoned(server);
    // Older than the template, or beyond the count: taken out of the catalog first, so no claim meets them.
    const surplus = await conn.execute<{ db_name: string }[]>(
      `delete from spare_databases where id in (
         select id from spare_databases where db_server = ? and claimed_by is null
            and (schema_version < ? or (schema_version = ? and id not in (
              select id from spare_databases where db_server = ? and claimed_by is null and schema_version = ?
               order by created_at limit ?)))
          for update skip locked)
       returning db_name`,
      [server, latest, latest, server, latest, target],
    );
    for (const { db_name } of surplus) await this.admin.dropSpare(server, db_name);
    result.dropped += surplus.length + (await this.dropUnknown(server));
    // Clone until the count is reached, counting again each time (claims go on meanwhile); bounded per run.
    // A shutdown stops it between clones: the next start refills, and the queue's close does not wait for the rest.
    for (let made = 0; made < target * 2 && !this.closing; made++) {
      const [{ n }] = await conn.execute<{ n: string }[]>(
        'select count(*) as n from spare_databases where db_server = ? and schema_version = ? and claimed_by is null',
        [server, latest],
      );
      if (Number(n) >= target) break;
      await this.quiet(server);
      const name = this.spareName();
      await this.templates.cloneSpare(server, name);
      await conn.execute('insert into spare_databases (id, db_server, db_name, schema_version) values (?, ?, ?, ?)', [
        randomUUID(),
        server,
        name,
        latest,
      ]);
      result.created++;
    }
    if (result.created || result.dropped || result.released)
      this.logger.log(
        `spares on ${server}: ${result.created} cloned, ${result.dropped} dropped, ${result.released} claims released`,
      );
    return result;
  }

  /** Waits until this process claimed no spare of the server for SETTLE_MS (at most QUIET_WAIT_MS). */
  private async quiet(server: string): Promise<void> {
    const deadline = Date.now() + QUIET_WAIT_MS;
    for (;;) {
      const wait = Math.min(SETTLE_MS - (Date.now() - (this.lastClaim.get(server) ?? 0)), deadline - Date.now());
      if (wait <= 0 || this.closing) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Claims of tenants no longer onboarding (failed, offboarded, gone): the spare is given back, or forgotten if renamed. */
  private async releaseAbandoned(server: string): Promise<number> {
    const conn = this.orm.em.fork().getConnection();
    const rows = await conn.execute<{ id: string; db_name: string }[]>(
      `select s.id, s.db_name from spare_databases s left join tenants t on t.id = s.claimed_by
        where s.db_server = ? and s.claimed_at is not null and (t.id is null or t.status <> 'provisioning')`,
      [server],
    );
    for (const row of rows) {
      if (await this.spareExists(server, row.db_name))
        await conn.execute('update spare_databases set claimed_by = null, claimed_at = null where id = ?', [row.id]);
      else await conn.execute('delete from spare_databases where id = ?', [row.id]);
    }
    return rows.length;
  }

  /** Spares (database, role or both) with no catalog row: a refill killed before it wrote the row, or a drop half done. */
  private async dropUnknown(server: string): Promise<number> {
    const conn = this.orm.em.fork().getConnection();
    const prefix = this.sparePrefix();
    const shape = new RegExp(`^${prefix}[0-9a-f]{12}$`);
    const [databases, roles] = await Promise.all([
      this.admin.databasesNamed(server, prefix),
      this.admin.rolesNamed(server, prefix),
    ]);
    const named = [...new Set([...databases, ...roles])].filter((name) => shape.test(name));
    if (!named.length) return 0;
    const known = new Set(
      (
        await conn.execute<{ db_name: string }[]>('select db_name from spare_databases where db_name in (?)', [named])
      ).map((r) => r.db_name),
    );
    const unknown = named.filter((name) => !known.has(name));
    for (const name of unknown) await this.admin.dropSpare(server, name);
    return unknown.length;
  }
}
