import { PgTarget, quoteIdent, quoteLiteral, sturdyPool } from '@app/catalog';
import { boundedShutdownStep } from '@app/common';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ServerCapacity, TENANT_SCHEMA, TenantSchema } from '@app/tenancy';
import { Pool, PoolClient } from 'pg';
import { DatabaseServers } from './database-servers';
import { scramSha256Verifier } from './scram-verifier';

const IDENT = /^[a-z][a-z0-9_]{0,62}$/;
/** Server settings that keep a session's failed statements (and their values) out of PostgreSQL's log (superuser only). */
const QUIET_LOG_SETTINGS: Record<string, string> = { log_min_error_statement: 'panic', log_error_verbosity: 'terse' };
/**
 * The tenant request path's limits, as settings of the tenant role: every session of the role
 * gets them, direct or through PgBouncer (which refuses them as startup parameters). A statement
 * runs at most 30 s; a transaction left idle is ended after 60 s so it cannot pin a pooled server
 * connection or its locks. No lock_timeout: a row-lock wait is bounded by statement_timeout.
 */
export const TENANT_ROLE_SETTINGS: Readonly<Record<string, string>> = {
  statement_timeout: '30s',
  idle_in_transaction_session_timeout: '60s',
};

function roleSettings(superuser: boolean): [string, string][] {
  return Object.entries(superuser ? { ...TENANT_ROLE_SETTINGS, ...QUIET_LOG_SETTINGS } : TENANT_ROLE_SETTINGS);
}

async function isSuperuser(c: PoolClient): Promise<boolean> {
  return (
    (await c.query<{ ok: boolean }>('select rolsuper as ok from pg_roles where rolname = current_user')).rows[0]?.ok ===
    true
  );
}

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`refusing an unexpected identifier: ${name}`);
  return quoteIdent(name);
}

/** Runs one SQL statement (no parameters) and returns its rows. */
export type SqlRunner = (sql: string) => Promise<Record<string, unknown>[]>;

/** CREATE DATABASE … TEMPLATE unless it exists, holding the shared lock template maintenance takes exclusively. */
async function cloneTemplate(c: PoolClient, name: string, template: string, sharedLock: number): Promise<void> {
  await c.query('select pg_advisory_lock_shared($1)', [sharedLock]);
  try {
    const exists = ((await c.query('select 1 from pg_database where datname = $1', [name])).rowCount ?? 0) > 0;
    if (exists) return;
    try {
      await c.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)}`);
    } catch (error) {
      if ((error as { code?: string }).code !== '42P04') throw error; // duplicate_database
    }
  } finally {
    await c.query('select pg_advisory_unlock_shared($1)', [sharedLock]);
  }
}

/** DDL on database servers with their admin credentials: roles, databases, privileges. */
@Injectable()
export class DatabaseAdmin implements ServerCapacity, OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly servers: DatabaseServers,
    @Inject(TENANT_SCHEMA) private readonly schema: TenantSchema,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    // Admin pools end quickly unless their server is gone: bounded like every shutdown step.
    const pools = [...this.pools.values()];
    await boundedShutdownStep(
      'database admin pools',
      () => Promise.all(pools.map((pool) => pool.end().catch(() => undefined))),
      5_000,
    );
    this.pools.clear();
  }

  /** A client on the server's maintenance database (`postgres`). */
  async withServer<T>(server: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool(server).connect();
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }

  /** A short-lived admin client on one database of the server. */
  async withDatabase<T>(server: string, database: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const pool = sturdyPool({ ...this.servers.admin(server, database), max: 1, connectionTimeoutMillis: 5000 });
    const client = await pool.connect();
    let failed = false;
    try {
      return await fn(client);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // After a failure the session may be mid-statement (a COPY whose reader is gone): close it, never wait on it.
      client.release(failed);
      await pool.end();
    }
  }

  /** The server's max_connections (the tenant pool budget is derived from it). */
  async maxConnections(server: string): Promise<number> {
    return this.withServer(server, async (c) =>
      Number((await c.query<{ max_connections: string }>('show max_connections')).rows[0].max_connections),
    );
  }

  adminTarget(server: string, database: string): PgTarget {
    return this.servers.admin(server, database);
  }

  async databaseExists(server: string, name: string): Promise<boolean> {
    return this.withServer(
      server,
      async (c) => ((await c.query('select 1 from pg_database where datname = $1', [name])).rowCount ?? 0) > 0,
    );
  }

  /** Whether a database or a role of this name exists on the server (one round trip). */
  async databaseOrRoleExists(server: string, name: string): Promise<boolean> {
    return this.withServer(server, async (c) => {
      const { rows } = await c.query<{ taken: boolean }>(
        `select exists (select 1 from pg_database where datname = $1)
             or exists (select 1 from pg_roles where rolname = $1) as taken`,
        [name],
      );
      return rows[0]?.taken === true;
    });
  }

  /**
   * Creates the login role if missing, then sets its attributes and password. The password is
   * sent only as its SCRAM-SHA-256 verifier, never in clear text, and no statement that fails
   * on a re-run (a retried onboarding) carries it: CREATE ROLE goes without a password.
   */
  async ensureRole(server: string, role: string, password: string): Promise<void> {
    const verifier = scramSha256Verifier(password);
    await this.withServer(server, async (c) => {
      // Concurrent runs for one role queue here (PostgreSQL refuses concurrent updates of one role).
      await c.query('BEGIN');
      try {
        await c.query("select pg_advisory_xact_lock(hashtext('tessera-role:' || $1))", [role]);
        const exists = ((await c.query('select 1 from pg_roles where rolname = $1', [role])).rowCount ?? 0) > 0;
        if (!exists) await c.query(`CREATE ROLE ${ident(role)} NOLOGIN`);
        await c.query(
          `ALTER ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD ${quoteLiteral(verifier)}`,
        );
        for (const [name, value] of roleSettings(await isSuperuser(c)))
          await c.query(`ALTER ROLE ${ident(role)} SET ${ident(name)} = ${quoteLiteral(value)}`);
        await c.query('COMMIT');
      } catch (error) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Clones `template` into `name` unless it exists; CONNECT only for the tenant's role.
   * Holds the shared advisory lock `sharedLock` (template maintenance takes it exclusively).
   */
  async ensureDatabaseFromTemplate(
    server: string,
    name: string,
    template: string,
    role: string,
    sharedLock: number,
  ): Promise<void> {
    await this.withServer(server, async (c) => {
      await cloneTemplate(c, name, template, sharedLock);
      await c.query(`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`);
      await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${ident(name)} TO ${ident(role)}`);
    });
  }

  /**
   * A spare (see SpareDatabases): `template` cloned into `name`, with a role of the same name that
   * can not log in yet but already has what a tenant role gets — CONNECT on that database only, the
   * runtime privileges inside it and the role settings — so onboarding only renames both and sets the
   * password. Idempotent: a refill killed mid-way and retried finishes the same spare.
   */
  async createSpareDatabase(server: string, name: string, template: string, sharedLock: number): Promise<void> {
    await this.withServer(server, async (c) => {
      await cloneTemplate(c, name, template, sharedLock);
      await c.query('BEGIN');
      try {
        await c.query("select pg_advisory_xact_lock(hashtext('tessera-role:' || $1))", [name]);
        const exists = ((await c.query('select 1 from pg_roles where rolname = $1', [name])).rowCount ?? 0) > 0;
        if (!exists) await c.query(`CREATE ROLE ${ident(name)} NOLOGIN`);
        await c.query(
          `ALTER ROLE ${ident(name)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS`,
        );
        for (const [setting, value] of roleSettings(await isSuperuser(c)))
          await c.query(`ALTER ROLE ${ident(name)} SET ${ident(setting)} = ${quoteLiteral(value)}`);
        await c.query(`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`);
        await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${ident(name)} TO ${ident(name)}`);
        await c.query('COMMIT');
      } catch (error) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    // This admin session is also the database's first: the next one (onboarding's) starts with warm caches.
    await this.grantRuntimePrivileges(server, name, name);
  }

  /**
   * Turns the spare `spare` (database and role, see createSpareDatabase) into the tenant's database
   * `name` and login role `role` with `password`, in one transaction: both renamed (PostgreSQL keeps
   * every privilege and setting, which follow the role's oid), then LOGIN with the password's
   * SCRAM verifier. PostgreSQL refuses the rename while anyone is connected (spares have no
   * connections). `taken`: the tenant's database or role exists already (an earlier attempt made
   * it); `missing`: no such spare; `busy`: someone is connected to it.
   */
  async adoptSpareDatabase(
    server: string,
    spare: string,
    name: string,
    role: string,
    password: string,
  ): Promise<'adopted' | 'taken' | 'missing' | 'busy'> {
    const verifier = scramSha256Verifier(password);
    return this.withServer(server, async (c) => {
      await c.query('BEGIN');
      try {
        await c.query("select pg_advisory_xact_lock(hashtext('tessera-role:' || $1))", [role]);
        const found = await c.query<{ name: string; kind: string }>(
          `select datname as name, 'database' as kind from pg_database where datname = any($1)
           union all select rolname, 'role' from pg_roles where rolname = any($1)`,
          [[spare, name, role]],
        );
        const has = (kind: string, n: string) => found.rows.some((r) => r.kind === kind && r.name === n);
        let outcome: 'adopted' | 'taken' | 'missing' = 'adopted';
        if (has('database', name) || has('role', role)) outcome = 'taken';
        else if (!has('database', spare) || !has('role', spare)) outcome = 'missing';
        if (outcome !== 'adopted') {
          await c.query('ROLLBACK');
          return outcome;
        }
        await c.query(`ALTER DATABASE ${ident(spare)} RENAME TO ${ident(name)}`);
        await c.query(`ALTER ROLE ${ident(spare)} RENAME TO ${ident(role)}`);
        await c.query(`ALTER ROLE ${ident(role)} LOGIN PASSWORD ${quoteLiteral(verifier)}`);
        await c.query('COMMIT');
        return 'adopted';
      } catch (error) {
        await c.query('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: string }).code;
        if (code === '55006') return 'busy'; // object_in_use: a session on the spare
        if (code === '3D000' || code === '42704') return 'missing'; // dropped meanwhile
        if (code === '42P04' || code === '42710') return 'taken';
        throw error;
      }
    });
  }

  /** Drops a spare: its database, then its role (whose privileges lived in that database). */
  async dropSpare(server: string, name: string): Promise<void> {
    await this.dropDatabase(server, name);
    await this.dropRole(server, name);
  }

  /** Names of the server's roles that start with `prefix`. */
  async rolesNamed(server: string, prefix: string): Promise<string[]> {
    return this.withServer(server, async (c) =>
      (
        await c.query<{ rolname: string }>('select rolname from pg_roles where starts_with(rolname, $1)', [prefix])
      ).rows.map((r) => r.rolname),
    );
  }

  /** Names of the server's databases that start with `prefix`. */
  async databasesNamed(server: string, prefix: string): Promise<string[]> {
    return this.withServer(server, async (c) =>
      (
        await c.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [prefix])
      ).rows.map((r) => r.datname),
    );
  }

  /** Creates an empty database only the admin can connect to (a template). */
  async ensureEmptyDatabase(server: string, name: string): Promise<boolean> {
    return this.withServer(server, async (c) => {
      if (((await c.query('select 1 from pg_database where datname = $1', [name])).rowCount ?? 0) > 0) return false;
      try {
        await c.query(`CREATE DATABASE ${ident(name)}`);
      } catch (error) {
        if ((error as { code?: string }).code === '42P04') return false;
        throw error;
      }
      await c.query(`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`);
      return true;
    });
  }

  /**
   * Tenant roles may CONNECT to their own database only: PUBLIC loses CONNECT and TEMPORARY on
   * the server's maintenance and template databases (and on `extra`, e.g. Tessera's template).
   * A non-superuser admin grants itself CONNECT first, so its own access survives. Idempotent.
   */
  async restrictSharedDatabases(server: string, extra: string[] = []): Promise<void> {
    await this.withServer(server, async (c) => {
      const wanted = ['postgres', 'template1', 'template0', ...extra];
      const { rows } = await c.query<{ datname: string }>('select datname from pg_database where datname = any($1)', [
        wanted,
      ]);
      const superuser = await isSuperuser(c);
      for (const { datname } of rows) {
        if (!superuser)
          await c
            .query(`GRANT CONNECT, TEMPORARY ON DATABASE ${ident(datname)} TO CURRENT_USER`)
            .catch(() => undefined);
        await c.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${ident(datname)} FROM PUBLIC`);
      }
    });
  }

  /**
   * Gives every login role named `prefix…` (the tenant roles, also those onboarded by an older
   * release) the tenant role settings it lacks: the request path's timeouts (TENANT_ROLE_SETTINGS)
   * and, with a superuser admin, quiet logs — failed statements logged tersely and without their
   * text, since MikroORM inlines values into its SQL and PostgreSQL's own log would otherwise keep
   * a failed insert's e-mails and password hashes. Idempotent: a role already set is not altered.
   * Returns false when the admin is not a superuser (the quiet-log settings are superuser-only).
   */
  async configureTenantRoles(server: string, prefix: string): Promise<boolean> {
    if (!/^[a-z][a-z0-9_]{0,22}$/.test(prefix)) throw new Error('not a tenant prefix');
    return this.withServer(server, async (c) => {
      const superuser = await isSuperuser(c);
      const { rows } = await c.query<{ rolname: string; config: string[] }>(
        `select r.rolname, coalesce(s.setconfig, '{}') as config from pg_roles r
           left join pg_db_role_setting s on s.setrole = r.oid and s.setdatabase = 0
          where starts_with(r.rolname, $1) and r.rolcanlogin and not r.rolsuper`,
        [prefix],
      );
      for (const { rolname, config } of rows)
        for (const [name, value] of roleSettings(superuser))
          if (!config.includes(`${name}=${value}`))
            await c.query(`ALTER ROLE ${ident(rolname)} SET ${ident(name)} = ${quoteLiteral(value)}`);
      return superuser;
    });
  }

  /** Runtime privileges of the tenant role: data only, no DDL, the migration table read-only, append-only tables append-only. */
  async grantRuntimePrivileges(server: string, database: string, role: string): Promise<void> {
    await this.withDatabase(server, database, async (c) => {
      await c.query('BEGIN');
      await this.grantRuntimePrivilegesWith(async (sql) => (await c.query<Record<string, unknown>>(sql)).rows, role);
      await c.query('COMMIT');
    });
  }

  /**
   * The same privileges, through `run` on an admin connection to the tenant database the caller holds
   * (inside its transaction): the provisioning saga's grants share the connection of its other steps.
   */
  async grantRuntimePrivilegesWith(run: SqlRunner, role: string): Promise<void> {
    await run(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await run(`GRANT USAGE ON SCHEMA public TO ${ident(role)}`);
    await run(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${ident(role)}`);
    await run(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${ident(role)}`);
    await run(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE mikro_orm_migrations FROM ${ident(role)}`);
    for (const table of this.schema.appendOnlyTables) {
      await run(`REVOKE UPDATE, DELETE, TRUNCATE ON TABLE ${ident(table)} FROM ${ident(role)}`);
      const databaseSet = this.schema.databaseSetColumns?.[table];
      if (!databaseSet?.length) continue;
      // INSERT on the other columns only: an insert naming a database-set column is refused.
      const rows = (await run(
        `select column_name as name from information_schema.columns
          where table_schema = 'public' and table_name = ${quoteLiteral(table)}
            and column_name not in (${databaseSet.map((column) => quoteLiteral(column)).join(', ')})
          order by ordinal_position`,
      )) as { name: string }[];
      await run(`REVOKE INSERT ON TABLE ${ident(table)} FROM ${ident(role)}`);
      await run(
        `GRANT INSERT (${rows.map((r) => ident(r.name)).join(', ')}) ON TABLE ${ident(table)} TO ${ident(role)}`,
      );
    }
  }

  async dropDatabase(server: string, name: string): Promise<void> {
    await this.withServer(server, (c) => c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`));
  }

  async dropRole(server: string, name: string): Promise<void> {
    await this.withServer(server, (c) => c.query(`DROP ROLE IF EXISTS ${ident(name)}`));
  }

  private pool(server: string): Pool {
    let pool = this.pools.get(server);
    if (!pool) {
      pool = sturdyPool({
        ...this.servers.admin(server, 'postgres'),
        max: 3,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: 5000,
      });
      this.pools.set(server, pool);
    }
    return pool;
  }
}
