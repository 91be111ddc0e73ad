import { PgTarget, quoteIdent } from '@app/catalog';
import { boundedShutdownStep } from '@app/common';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ServerCapacity, TENANT_SCHEMA, TenantSchema } from '@app/tenancy';
import { Pool, PoolClient } from 'pg';
import { DatabaseServers } from './database-servers';
import { scramSha256Verifier } from './scram-verifier';

const IDENT = /^[a-z][a-z0-9_]{0,62}$/;
/** Server settings that keep a session's failed statements (and their values) out of PostgreSQL's log. */
const QUIET_LOG_SETTINGS = ["log_min_error_statement = 'panic'", "log_error_verbosity = 'terse'"];

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

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
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
    const pool = new Pool({ ...this.servers.admin(server, database), max: 1, connectionTimeoutMillis: 5000 });
    pool.on('error', () => undefined);
    const client = await pool.connect();
    try {
      return await fn(client);
    } finally {
      client.release();
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

  async roleExists(server: string, name: string): Promise<boolean> {
    return this.withServer(
      server,
      async (c) => ((await c.query('select 1 from pg_roles where rolname = $1', [name])).rowCount ?? 0) > 0,
    );
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
          `ALTER ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD ${literal(verifier)}`,
        );
        if (await isSuperuser(c))
          for (const setting of QUIET_LOG_SETTINGS) await c.query(`ALTER ROLE ${ident(role)} SET ${setting}`);
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
      await c.query('select pg_advisory_lock_shared($1)', [sharedLock]);
      try {
        const exists = ((await c.query('select 1 from pg_database where datname = $1', [name])).rowCount ?? 0) > 0;
        if (!exists) {
          try {
            await c.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)}`);
          } catch (error) {
            if ((error as { code?: string }).code !== '42P04') throw error; // duplicate_database
          }
        }
      } finally {
        await c.query('select pg_advisory_unlock_shared($1)', [sharedLock]);
      }
      await c.query(`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`);
      await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${ident(name)} TO ${ident(role)}`);
    });
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
   * Every login role named `prefix…` (the tenant roles) logs its failed statements tersely and
   * without their text: MikroORM inlines values into its SQL, and PostgreSQL's own log would
   * otherwise keep a failed insert's e-mails and password hashes (STATEMENT and DETAIL lines).
   * Needs a superuser admin (the settings are superuser-only); returns false when it is not one.
   */
  async quietTenantRoleLogs(server: string, prefix: string): Promise<boolean> {
    if (!/^[a-z][a-z0-9_]{0,22}$/.test(prefix)) throw new Error('not a tenant prefix');
    return this.withServer(server, async (c) => {
      if (!(await isSuperuser(c))) return false;
      const { rows } = await c.query<{ rolname: string }>(
        'select rolname from pg_roles where starts_with(rolname, $1) and rolcanlogin and not rolsuper',
        [prefix],
      );
      for (const { rolname } of rows)
        for (const setting of QUIET_LOG_SETTINGS) await c.query(`ALTER ROLE ${ident(rolname)} SET ${setting}`);
      return true;
    });
  }

  /** Runtime privileges of the tenant role: data only, no DDL, the migration table read-only, append-only tables append-only. */
  async grantRuntimePrivileges(server: string, database: string, role: string): Promise<void> {
    await this.withDatabase(server, database, async (c) => {
      await c.query('BEGIN');
      await c.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      await c.query(`GRANT USAGE ON SCHEMA public TO ${ident(role)}`);
      await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${ident(role)}`);
      await c.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${ident(role)}`);
      await c.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON TABLE mikro_orm_migrations FROM ${ident(role)}`);
      for (const table of this.schema.appendOnlyTables) {
        await c.query(`REVOKE UPDATE, DELETE, TRUNCATE ON TABLE ${ident(table)} FROM ${ident(role)}`);
        const databaseSet = this.schema.databaseSetColumns?.[table];
        if (!databaseSet?.length) continue;
        // INSERT on the other columns only: an insert naming a database-set column is refused.
        const { rows } = await c.query<{ name: string }>(
          `select column_name as name from information_schema.columns
            where table_schema = 'public' and table_name = $1 and not (column_name = any($2)) order by ordinal_position`,
          [table, databaseSet],
        );
        await c.query(`REVOKE INSERT ON TABLE ${ident(table)} FROM ${ident(role)}`);
        await c.query(
          `GRANT INSERT (${rows.map((r) => ident(r.name)).join(', ')}) ON TABLE ${ident(table)} TO ${ident(role)}`,
        );
      }
      await c.query('COMMIT');
    });
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
      pool = new Pool({
        ...this.servers.admin(server, 'postgres'),
        max: 3,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: 5000,
      });
      pool.on('error', () => undefined);
      this.pools.set(server, pool);
    }
    return pool;
  }
}
