import {
  ACTIVE_RELOCATION_STATUSES,
  CATALOG_URL,
  clientConfig,
  DbServer,
  parsePostgresUrl,
  quoteIdent,
  quoteLiteral,
  Relocation,
  RelocationMethod,
  SecretBox,
  sturdyPool,
  Tenant,
} from '@app/catalog';
import { describeError, NotFoundException } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { FLEET_JOB, JobEnvelope, JobQueue, PermanentJobError } from '@app/jobs';
import { CatalogEvents, latestMigration, TENANT_SCHEMA, TenantSchema } from '@app/tenancy';
import { EntityManager, LockMode, MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { DatabaseAdmin } from './database-admin';
import { DatabaseServers } from './database-servers';
import { FleetErrors, RelocationErrors } from './fleet.exception';
import {
  assertSameTables,
  auditHead,
  compareTables,
  copySequences,
  copyTables,
  tablesOf,
  tablesWithoutIdentity,
  versionRefusal,
} from './relocation-copy';
import { scramSha256Verifier } from './scram-verifier';
import { TemplateDatabases } from './template-databases';

/** A `relocations` job: run (or resume) one relocation. */
export interface RelocationJob {
  relocationId: string;
}

/** Raised inside a run when `abort` was asked for: the run cleans up and ends `aborted`. */
class Aborted extends Error {}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** Longest wait for logical replication's initial copy and for its catch-up at the cut-over. */
const SYNC_TIMEOUT_MS = 30 * 60_000;
const CATCH_UP_TIMEOUT_MS = 20_000;

/**
 * Moves a live tenant to another database server (API.md "Moving a tenant to another database
 * server"). Phases, each recorded and each safe to run again, so a killed worker's job resumes in
 * the phase it was in:
 *
 * 1. preflight — the target is in tenants.config.json and active, has room, runs a PostgreSQL
 *    major version ≥ the source's, has no database or role of that name; the tenant is at this
 *    code's schema version. The method: `logical` when the source's wal_level is logical, else `freeze`.
 * 2. target — the tenant's role and a clone of the target's migrated template, privileges as at onboarding.
 * 3. copy — `logical`: a publication on the source, a subscription on the target (initial copy,
 *    then streaming; writes go on). `freeze`: writes are frozen first, then every table is COPY'd.
 * 4. cut-over — writes frozen (if not yet): the catalog's flag refuses them at every instance at once
 *    and the tenant role's sessions on the source become read-only (recycled), so no instance can
 *    slip one in; replication catches up; sequences are set; every table's rows and checksums, the
 *    audit chain's head and the migrations are compared; only then does the catalog switch, in one
 *    transaction with the end of the freeze. The source stays read-only until a job drops it
 *    (RELOCATION_KEEP_HOURS).
 *
 * Any failure or `abort` before the switch drops what was made on the target and ends the freeze:
 * the tenant is left as it was.
 */
@Injectable()
export class TenantRelocator implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantRelocator.name);
  /** Catalog sessions holding a relocation's advisory lock: one runner per relocation across processes. */
  private readonly lockSessions: Pool;
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly orm: MikroORM,
    @Inject(CATALOG_URL) catalogUrl: string,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TENANT_SCHEMA) private readonly schema: TenantSchema,
    private readonly secrets: SecretBox,
    private readonly admin: DatabaseAdmin,
    private readonly servers: DatabaseServers,
    private readonly templates: TemplateDatabases,
    private readonly events: CatalogEvents,
    private readonly jobs: JobQueue,
  ) {
    this.lockSessions = sturdyPool({
      ...clientConfig(parsePostgresUrl(catalogUrl)),
      max: 4,
      idleTimeoutMillis: 10_000,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.lockSessions.end();
  }

  /** Queues a relocation of `slug` to `targetServer` (one under way per tenant: 409). */
  async start(slug: string, targetServer: string): Promise<Relocation> {
    const em = this.orm.em.fork();
    const tenant = await em.findOne(Tenant, { slug }, { populate: ['dbServer'] });
    if (!tenant || tenant.status === 'offboarded') throw new NotFoundException('No such tenant.');
    if (!['active', 'suspended'].includes(tenant.status)) throw RelocationErrors.tenantState(tenant.status);
    if (tenant.steps.some((s) => s.step === 'offboarding')) throw FleetErrors.offboarding();
    const target = await em.findOne(DbServer, { name: targetServer, active: true });
    if (!target || !this.servers.names().includes(targetServer)) throw RelocationErrors.unknownServer(targetServer);
    if (target.name === tenant.dbServer.name) throw RelocationErrors.sameServer(targetServer);
    const placed = await em.count(Tenant, { dbServer: target, status: { $ne: 'offboarded' } });
    if (placed >= target.capacity) throw RelocationErrors.serverFull(targetServer);
    const relocation = em.create(Relocation, { tenant, fromServer: tenant.dbServer, toServer: target });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw RelocationErrors.underWay(slug);
      throw error;
    }
    await this.enqueue(relocation);
    return relocation;
  }

  /** A tenant's relocations, newest first: one window of them and how many there are. */
  async list(slug: string, window: { limit: number; offset: number }): Promise<[Relocation[], number]> {
    const tenant = await this.tenant(slug);
    return this.orm.em
      .fork()
      .findAndCount(
        Relocation,
        { tenant },
        { populate: ['tenant', 'fromServer', 'toServer'], orderBy: [{ startedAt: 'desc' }, { id: 'asc' }], ...window },
      );
  }

  async get(slug: string, id: string): Promise<Relocation> {
    const tenant = await this.tenant(slug);
    const relocation = await this.orm.em
      .fork()
      .findOne(Relocation, { id, tenant }, { populate: ['tenant', 'fromServer', 'toServer'] });
    if (!relocation) throw new NotFoundException('No such relocation.');
    return relocation;
  }

  /**
   * Stops a relocation before its cut-over: its job notices at the next step and drops the target;
   * a relocation whose job is not running is cleaned up here. Resolves once it is `aborted`.
   */
  async abort(slug: string, id: string): Promise<Relocation> {
    const relocation = await this.get(slug, id);
    const em = this.orm.em.fork();
    const flagged = await em.getConnection().execute<{ id: string }[]>(
      `update relocations set abort_requested = true, updated_at = now()
          where id = ? and status in ('copying', 'verifying') returning id`,
      [relocation.id],
    );
    if (!flagged.length) {
      if (relocation.status === 'aborted') return relocation;
      throw RelocationErrors.tooLate(relocation.status);
    }
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      // Nobody runs it: clean up under its lock here.
      const outcome = await this.withLock(relocation.id, () => this.runLocked(relocation.id));
      const now = await this.get(slug, id);
      if (now.status === 'aborted' || (outcome !== 'busy' && now.status !== 'copying' && now.status !== 'verifying'))
        return now;
      await sleep(100);
    }
    return this.get(slug, id);
  }

  /** At start-up and every 15 minutes: source databases past RELOCATION_KEEP_HOURS are dropped. */
  keepDroppingSources(): void {
    const drop = () =>
      void this.dropExpiredSources().catch((error: unknown) =>
        this.logger.warn(`dropping relocated tenants' source databases: ${describeError(error)}`),
      );
    drop();
    this.sweeper ??= setInterval(drop, 15 * 60_000);
    this.sweeper.unref();
  }

  /** Queues every relocation left under way (a stopped process; a lost job): the job resumes its phase. */
  async resumeUnfinished(): Promise<number> {
    const open = await this.orm.em.fork().find(Relocation, { status: { $in: [...ACTIVE_RELOCATION_STATUSES] } });
    for (const relocation of open) await this.enqueue(relocation);
    return open.length;
  }

  /** The `relocations` job. */
  async run(job: JobEnvelope<RelocationJob>): Promise<string> {
    const id = job.data?.relocationId;
    if (typeof id !== 'string') throw new PermanentJobError('relocation job without a relocation id');
    return this.withLock(id, () => this.runLocked(id));
  }

  /**
   * Drops the source databases of relocations done longer than RELOCATION_KEEP_HOURS ago (the
   * tenant's role on the source too). Returns how many it dropped.
   */
  async dropExpiredSources(): Promise<number> {
    const em = this.orm.em.fork();
    const due = await em.find(
      Relocation,
      { status: 'done', sourceDroppedAt: null, keepUntil: { $lte: new Date() } },
      { populate: ['tenant', 'fromServer'] },
    );
    for (const relocation of due) {
      const tenant = relocation.tenant;
      await this.admin.dropDatabase(relocation.fromServer.name, tenant.dbName);
      await this.admin.dropRole(relocation.fromServer.name, tenant.dbRole);
      relocation.sourceDroppedAt = new Date();
      await em.flush();
      this.logger.log(`tenant ${tenant.slug}: source database on ${relocation.fromServer.name} dropped`);
    }
    return due.length;
  }

  private async tenant(slug: string): Promise<Tenant> {
    const tenant = await this.orm.em.fork().findOne(Tenant, { slug });
    if (!tenant || tenant.status === 'offboarded') throw new NotFoundException('No such tenant.');
    return tenant;
  }

  private async enqueue(relocation: Relocation): Promise<void> {
    const envelope: JobEnvelope<RelocationJob> = {
      ...FLEET_JOB,
      correlationId: randomUUID(),
      data: { relocationId: relocation.id },
    };
    await this.jobs.enqueue('relocations', envelope, { jobId: `relocate:${relocation.id}:${Date.now()}` });
  }

  private async withLock(id: string, work: () => Promise<string>): Promise<string> {
    const lock = await this.lockSessions.connect();
    let released = false;
    try {
      const got = await lock.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext('relocate:' || $1)) as ok", [
        id,
      ]);
      if (!got.rows[0]?.ok) {
        released = true;
        return 'busy';
      }
      try {
        return await work();
      } finally {
        await lock.query("select pg_advisory_unlock(hashtext('relocate:' || $1))", [id]);
        released = true;
      }
    } finally {
      lock.release(released ? undefined : new Error('advisory lock state unknown'));
    }
  }

  private async runLocked(id: string): Promise<string> {
    const em = this.orm.em.fork();
    const relocation = await em.findOne(
      Relocation,
      { id },
      { populate: ['tenant', 'tenant.dbServer', 'fromServer', 'toServer'] },
    );
    if (!relocation) throw new PermanentJobError(`no relocation ${id}`);
    if (!ACTIVE_RELOCATION_STATUSES.includes(relocation.status)) return relocation.status;
    const tenant = relocation.tenant;
    const source = relocation.fromServer.name;
    const target = relocation.toServer.name;
    relocation.attempts++;
    await em.flush();
    const phase = async (name: string, work: () => Promise<void>) => {
      const since = Date.now();
      await em.refresh(relocation);
      if (relocation.abortRequested && relocation.status !== 'cutting-over') throw new Aborted();
      await work();
      relocation.phases = [
        ...relocation.phases.filter((p) => p.phase !== name),
        { phase: name, at: new Date().toISOString(), ms: Date.now() - since },
      ];
      await em.flush();
    };
    const slot = `tessera_reloc_${relocation.id.replace(/-/g, '').slice(0, 20)}`;
    try {
      // Resumed after the catalog switched (a worker killed in the clean-up): only the clean-up is left.
      if (relocation.status === 'cutting-over' && tenant.dbServer.name === target) {
        await this.finishSwitched(em, relocation, slot);
        return 'done';
      }
      let method: RelocationMethod = relocation.method ?? 'freeze';
      await phase('preflight', async () => {
        method = await this.preflight(relocation, source, target);
        relocation.method = method;
      });
      await phase('target', () => this.prepareTarget(tenant, source, target));
      const frozen = relocation.phases.find((p) => p.phase === 'freeze');
      let frozenAt = frozen && tenant.writesFrozen ? Date.parse(frozen.at) : 0;
      const freeze = async () => {
        frozenAt = await this.freeze(em, tenant, source);
        relocation.phases = [
          ...relocation.phases.filter((p) => p.phase !== 'freeze'),
          { phase: 'freeze', at: new Date(frozenAt).toISOString(), ms: Date.now() - frozenAt },
        ];
        await em.flush();
      };
      await phase('copy', async () => {
        if (method === 'logical') await this.startReplication(tenant, source, target, slot, relocation);
        else {
          if (!frozenAt) await freeze();
          await this.copyFrozen(tenant, source, target);
        }
      });
      relocation.status = 'cutting-over';
      await em.flush();
      await phase('cut-over', async () => {
        if (!frozenAt) await freeze();
        if (method === 'logical') await this.catchUp(tenant, source, target, slot);
        const verification = await this.verify(tenant, source, target, method === 'logical');
        relocation.verification = verification;
        const ok =
          verification.auditHeadMatch &&
          verification.migrationsMatch &&
          verification.tables.every((t) => t.checksumMatch);
        if (!ok) throw new Error('verification failed: the copy differs from the source');
        await this.switchCatalog(em, relocation, tenant, frozenAt);
      });
      await this.finishSwitched(em, relocation, slot);
      this.logger.log(
        `tenant ${tenant.slug} relocated ${source} → ${target} (${method}; writes frozen ${relocation.writeFreezeMs} ms)`,
      );
      return 'done';
    } catch (error) {
      const aborted = error instanceof Aborted;
      if (!aborted) this.logger.error(`tenant ${tenant.slug}: relocation to ${target} failed: ${describeError(error)}`);
      await this.undo(em, tenant, source, this.madeTarget(relocation) ? target : null, slot);
      em.assign(relocation, {
        status: aborted ? 'aborted' : 'failed',
        error: aborted ? null : describeError(error),
        finishedAt: new Date(),
      });
      await em.flush();
      return relocation.status;
    }
  }

  private async preflight(relocation: Relocation, source: string, target: string): Promise<RelocationMethod> {
    const tenant = relocation.tenant;
    const version = (server: string) =>
      this.admin.withServer(server, async (c) =>
        Number((await c.query<{ v: string }>('show server_version_num')).rows[0].v),
      );
    const refusal = versionRefusal(await version(source), await version(target));
    if (refusal) throw new Error(refusal);
    if ((tenant.schemaVersion ?? '') !== latestMigration(this.schema))
      throw new Error(`the tenant's schema (${tenant.schemaVersion ?? 'none'}) is not this code's; migrate it first`);
    // A database or role of that name on the target that this relocation did not make is never adopted.
    if (!this.madeTarget(relocation) && (await this.admin.databaseOrRoleExists(target, tenant.dbName)))
      throw new Error(`a database or role named ${tenant.dbName} exists on ${target} already`);
    const wal = await this.admin.withServer(
      source,
      async (c) => (await c.query<{ wal_level: string }>('show wal_level')).rows[0].wal_level,
    );
    if (wal !== 'logical') return 'freeze';
    // A published table without a replica identity refuses UPDATE and DELETE on the source: the
    // tenant's writes would fail during the copy. Such a schema is copied under a freeze instead.
    const unpublishable = await this.admin.withDatabase(source, tenant.dbName, (c) => tablesWithoutIdentity(c));
    if (unpublishable.length) {
      this.logger.warn(
        `tenant ${tenant.slug}: ${unpublishable.join(', ')} without a replica identity: relocating under a freeze`,
      );
      return 'freeze';
    }
    return 'logical';
  }

  /** Whether an earlier run of this relocation passed its preflight (so what is on the target is its own). */
  private madeTarget(relocation: Relocation): boolean {
    return relocation.phases.some((p) => p.phase === 'preflight');
  }

  private async prepareTarget(tenant: Tenant, source: string, target: string): Promise<void> {
    await this.admin.ensureRole(target, tenant.dbRole, this.secrets.open(tenant.dbPasswordEnc));
    await this.templates.cloneInto(target, tenant.dbName, tenant.dbRole);
    await this.admin.grantRuntimePrivileges(target, tenant.dbName, tenant.dbRole);
    await this.copyCustomIndexes(tenant, source, target);
  }

  /**
   * The tenant's own custom field indexes (`cf_…`, made by jobs, not by migrations, so the template
   * lacks them) go along: built on the target while its tables are still empty, kept up by the copy.
   */
  private async copyCustomIndexes(tenant: Tenant, source: string, target: string): Promise<void> {
    const definitions = await this.admin.withDatabase(source, tenant.dbName, async (c) =>
      (
        await c.query<{ definition: string }>(
          `select pg_get_indexdef(i.indexrelid) as "definition" from pg_index i
             join pg_class ic on ic.oid = i.indexrelid and ic.relnamespace = 'public'::regnamespace
            where ic.relname like 'cf\\_%' and i.indisvalid`,
        )
      ).rows.map((row) => row.definition.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS ')),
    );
    if (!definitions.length) return;
    await this.admin.withDatabase(target, tenant.dbName, async (c) => {
      for (const definition of definitions) await c.query(definition);
    });
  }

  /** Both databases at once, with the servers' admin credentials. */
  private both<T>(tenant: Tenant, source: string, target: string, work: (s: PoolClient, t: PoolClient) => Promise<T>) {
    return this.admin.withDatabase(source, tenant.dbName, (s) =>
      this.admin.withDatabase(target, tenant.dbName, (t) => work(s, t)),
    );
  }

  private async copyFrozen(tenant: Tenant, source: string, target: string): Promise<void> {
    await this.both(tenant, source, target, async (s, t) => {
      await s.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await copyTables(s, t, await assertSameTables(s, t));
      await copySequences(s, t);
      await s.query('COMMIT'); // on failure the session is closed instead (withDatabase)
    });
  }

  /**
   * A publication of every table on the source, a login of its own for the subscription (replication
   * and SELECT only, dropped at the end), and a subscription on the target into emptied tables.
   * Resolves once the initial copy of every table is done; writes go on meanwhile.
   */
  private async startReplication(
    tenant: Tenant,
    source: string,
    target: string,
    slot: string,
    relocation: Relocation,
  ): Promise<void> {
    await this.both(tenant, source, target, (s, t) => assertSameTables(s, t));
    const password = randomBytes(24).toString('base64url');
    await this.admin.withServer(source, async (c) => {
      const exists = ((await c.query('select 1 from pg_roles where rolname = $1', [slot])).rowCount ?? 0) > 0;
      const verifier = quoteLiteral(scramSha256Verifier(password));
      await c.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${quoteIdent(slot)} LOGIN REPLICATION PASSWORD ${verifier}`);
      await c.query(`GRANT CONNECT ON DATABASE ${quoteIdent(tenant.dbName)} TO ${quoteIdent(slot)}`);
    });
    await this.admin.withDatabase(source, tenant.dbName, async (c) => {
      await c.query(`GRANT USAGE ON SCHEMA public TO ${quoteIdent(slot)}`);
      await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${quoteIdent(slot)}`);
      const has = ((await c.query('select 1 from pg_publication where pubname = $1', [slot])).rowCount ?? 0) > 0;
      if (!has) await c.query(`CREATE PUBLICATION ${quoteIdent(slot)} FOR ALL TABLES`);
    });
    const from = this.servers.admin(source, tenant.dbName);
    const conninfo = [
      `host=${from.host}`,
      `port=${from.port}`,
      `dbname=${tenant.dbName}`,
      `user=${slot}`,
      `password=${password}`,
    ].join(' ');
    await this.admin.withDatabase(target, tenant.dbName, async (t) => {
      await t.query(`select pg_catalog.set_config('session_replication_role', 'replica', false)`);
      // The statements below carry the subscription's password: never in the server's log.
      await t.query("select pg_catalog.set_config('log_statement', 'none', false)");
      await t.query("select pg_catalog.set_config('log_min_error_statement', 'panic', false)");
      const existing = await t.query('select 1 from pg_subscription where subname = $1', [slot]);
      if (existing.rowCount) {
        // Resumed: the subscription is there; its password is the one just set on the source.
        await t.query(`ALTER SUBSCRIPTION ${quoteIdent(slot)} CONNECTION ${quoteLiteral(conninfo)}`);
      } else {
        const tables = await tablesOf(t);
        if (tables.length) await t.query(`TRUNCATE ${tables.map(quoteIdent).join(', ')}`);
        await t.query(
          `CREATE SUBSCRIPTION ${quoteIdent(slot)} CONNECTION ${quoteLiteral(conninfo)} PUBLICATION ${quoteIdent(slot)} WITH (copy_data = true)`,
        );
      }
      const deadline = Date.now() + SYNC_TIMEOUT_MS;
      for (;;) {
        const { rows } = await t.query<{ pending: string; total: string }>(
          `select count(*) filter (where r.srsubstate not in ('r', 's'))::text as pending, count(*)::text as total
             from pg_subscription_rel r join pg_subscription s on s.oid = r.srsubid where s.subname = $1`,
          [slot],
        );
        if (Number(rows[0].total) > 0 && Number(rows[0].pending) === 0) return;
        if (Date.now() > deadline) throw new Error('the initial copy did not finish in time');
        const flags = await this.orm.em
          .fork()
          .getConnection()
          .execute<{ abort_requested: boolean }[]>('select abort_requested from relocations where id = ?', [
            relocation.id,
          ]);
        if (flags[0]?.abort_requested) throw new Aborted();
        await sleep(100);
      }
    });
  }

  /** Waits until the subscription has applied everything the source wrote before the freeze. */
  private async catchUp(tenant: Tenant, source: string, target: string, slot: string): Promise<void> {
    const lsn = await this.admin.withServer(
      source,
      async (c) => (await c.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0].lsn,
    );
    const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
    for (;;) {
      const caughtUp = await this.admin.withServer(source, async (c) => {
        const { rows } = await c.query<{ ok: boolean }>(
          'select confirmed_flush_lsn >= $2::pg_lsn as ok from pg_replication_slots where slot_name = $1',
          [slot, lsn],
        );
        return rows[0]?.ok === true;
      });
      if (caughtUp) break;
      if (Date.now() > deadline) throw new Error('replication did not catch up in time');
      await sleep(20);
    }
    await this.both(tenant, source, target, (s, t) => copySequences(s, t));
  }

  private async verify(tenant: Tenant, source: string, target: string, settle: boolean) {
    return this.both(tenant, source, target, async (s, t) => {
      const tables = await tablesOf(s);
      // Replication applies what it confirmed a moment later on a busy machine: a few tries.
      for (let attempt = 0; ; attempt++) {
        const compared = await compareTables(s, t, tables);
        const [a, b] = [await auditHead(s), await auditHead(t)];
        const migrations = compared.find((c) => c.table === 'mikro_orm_migrations');
        const verification = {
          tables: compared,
          auditHeadMatch: a === b,
          migrationsMatch: migrations ? migrations.checksumMatch : true,
        };
        const ok = verification.auditHeadMatch && compared.every((c) => c.checksumMatch);
        if (ok || !settle || attempt >= 20) return verification;
        await sleep(100);
      }
    });
  }

  /**
   * Refuses the tenant's writes everywhere: the catalog's flag (every instance, at once, by
   * pub/sub), and the database itself — the tenant role's new sessions on the source are read-only
   * and the sessions opened before are recycled. Returns when it began.
   */
  private async freeze(em: EntityManager, tenant: Tenant, source: string): Promise<number> {
    const began = Date.now();
    tenant.writesFrozen = true;
    await em.flush();
    await this.admin.withServer(source, (c) =>
      c.query(`ALTER ROLE ${quoteIdent(tenant.dbRole)} SET default_transaction_read_only = on`),
    );
    await this.recycleSessions(tenant, source);
    return began;
  }

  /**
   * Tells every instance to close the tenant's pools once unused, waits for the sessions opened
   * before this moment to end (RELOCATION_FREEZE_DRAIN_MS), then terminates those left (an instance
   * that missed the message; a query longer than the wait).
   */
  private async recycleSessions(tenant: Tenant, server: string): Promise<void> {
    const cutoff = await this.admin.withServer(
      server,
      async (c) => (await c.query<{ now: string }>('select clock_timestamp()::text as now')).rows[0].now,
    );
    await this.events.publish({ slug: tenant.slug, tenantId: tenant.id, kind: 'relocated' });
    const deadline = Date.now() + this.config.relocation.freezeDrainMs;
    const older = `from pg_stat_activity where datname = $1 and usename = $2 and backend_start < $3::timestamptz and pid <> pg_backend_pid()`;
    await this.admin.withServer(server, async (c) => {
      for (;;) {
        const left = await c.query(`select pid ${older}`, [tenant.dbName, tenant.dbRole, cutoff]);
        if (!left.rowCount) return;
        if (Date.now() > deadline) {
          await c.query(`select pg_terminate_backend(pid) ${older}`, [tenant.dbName, tenant.dbRole, cutoff]);
          return;
        }
        await sleep(20);
      }
    });
  }

  private async switchCatalog(
    em: EntityManager,
    relocation: Relocation,
    tenant: Tenant,
    frozenAt: number,
  ): Promise<void> {
    const now = new Date();
    await em.transactional(async (tx) => {
      const t = await tx.findOneOrFail(Tenant, { id: tenant.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      t.dbServer = await tx.findOneOrFail(DbServer, { name: relocation.toServer.name });
      t.writesFrozen = false;
      const r = await tx.findOneOrFail(Relocation, { id: relocation.id });
      Object.assign(r, {
        cutoverAt: now,
        writeFreezeMs: now.getTime() - frozenAt,
        verification: relocation.verification,
        keepUntil: new Date(now.getTime() + this.config.relocation.keepHours * 3_600_000),
      });
    });
    await em.refresh(relocation);
    await em.refresh(tenant, { populate: ['dbServer'] });
    // Every instance routes to the new server from its next request, and closes its pools to the old one.
    await this.events.publish({ slug: tenant.slug, tenantId: tenant.id, kind: 'relocated' });
  }

  /** After the switch: replication objects dropped, the record done. The source stays read-only. */
  private async finishSwitched(em: EntityManager, relocation: Relocation, slot: string): Promise<void> {
    await this.dropReplication(relocation.tenant, relocation.fromServer.name, relocation.toServer.name, slot);
    if (relocation.tenant.writesFrozen) relocation.tenant.writesFrozen = false;
    em.assign(relocation, { status: 'done', finishedAt: new Date(), error: null });
    await em.flush();
  }

  private async dropReplication(tenant: Tenant, source: string, target: string, slot: string): Promise<void> {
    if (await this.admin.databaseExists(target, tenant.dbName))
      await this.admin.withDatabase(target, tenant.dbName, async (t) => {
        if (!(await t.query('select 1 from pg_subscription where subname = $1', [slot])).rowCount) return;
        await t.query(`ALTER SUBSCRIPTION ${quoteIdent(slot)} DISABLE`);
        await t.query(`ALTER SUBSCRIPTION ${quoteIdent(slot)} SET (slot_name = NONE)`);
        await t.query(`DROP SUBSCRIPTION ${quoteIdent(slot)}`);
      });
    await this.admin.withServer(source, async (c) => {
      await c.query(
        'select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active',
        [slot],
      );
    });
    if (await this.admin.databaseExists(source, tenant.dbName))
      await this.admin.withDatabase(source, tenant.dbName, async (s) => {
        await s.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(slot)}`);
        if ((await s.query('select 1 from pg_roles where rolname = $1', [slot])).rowCount)
          await s.query(`DROP OWNED BY ${quoteIdent(slot)}`);
      });
    await this.admin.withServer(source, async (c) => {
      if ((await c.query('select 1 from pg_roles where rolname = $1', [slot])).rowCount) {
        await c
          .query(`REVOKE ALL ON DATABASE ${quoteIdent(tenant.dbName)} FROM ${quoteIdent(slot)}`)
          .catch(() => undefined);
        await c.query(`DROP ROLE IF EXISTS ${quoteIdent(slot)}`);
      }
    });
  }

  /** Before the switch: the target's database and role dropped, replication removed, writes back on the source. */
  private async undo(
    em: EntityManager,
    tenant: Tenant,
    source: string,
    target: string | null,
    slot: string,
  ): Promise<void> {
    if (target) {
      try {
        await this.dropReplication(tenant, source, target, slot);
        await this.admin.dropDatabase(target, tenant.dbName);
        await this.admin.dropRole(target, tenant.dbRole);
      } catch (error) {
        this.logger.warn(`tenant ${tenant.slug}: dropping the relocation's target: ${describeError(error)}`);
      }
    }
    await this.admin.withServer(source, (c) =>
      c.query(`ALTER ROLE ${quoteIdent(tenant.dbRole)} RESET default_transaction_read_only`),
    );
    if (tenant.writesFrozen) {
      tenant.writesFrozen = false;
      await em.flush();
      await this.recycleSessions(tenant, source);
    }
  }
}
