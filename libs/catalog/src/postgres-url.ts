import { Client, ClientConfig, Pool, PoolConfig } from 'pg';

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

export function parsePostgresUrl(url: string): PgTarget {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname) || '127.0.0.1',
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
  };
}

export function toPostgresUrl(target: PgTarget): string {
  const auth =
    encodeURIComponent(target.user) + (target.password !== undefined ? ':' + encodeURIComponent(target.password) : '');
  return `postgresql://${auth}@${target.host}:${target.port}/${encodeURIComponent(target.database)}`;
}

export function clientConfig(target: PgTarget, connectionTimeoutMillis = 5000): ClientConfig {
  return { ...target, connectionTimeoutMillis, application_name: 'tessera' };
}

/**
 * A pg Pool whose connections never crash the process when the server ends them (a database
 * dropped WITH (FORCE), an administrator's pg_terminate_backend, a fail-over). pg-pool listens
 * for errors on idle clients only; a client checked out and idle between queries (a session
 * holding an advisory lock, say) would emit an unhandled 'error'. Here every client keeps a
 * listener: the loss surfaces as the next query's error instead.
 */
export function sturdyPool(config: PoolConfig): Pool {
  const pool = new Pool(config);
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** A connection failure in one line, without credentials. */
export function describePgError(error: unknown, target: Pick<PgTarget, 'host' | 'port' | 'database'>): string {
  const e = error as { code?: string; message?: string };
  const where = `${target.host}:${target.port}/${target.database}`;
  if (e.code === 'ECONNREFUSED') return `cannot reach PostgreSQL at ${where} (connection refused)`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `cannot resolve the PostgreSQL host of ${where}`;
  if (e.code === '28P01' || e.code === '28000') return `PostgreSQL at ${where} refused the credentials`;
  return `PostgreSQL at ${where}: ${e.message ?? String(error)}`;
}

/** Runs one function on a short-lived client; always closes it. */
export async function withClient<T>(target: PgTarget, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(clientConfig(target));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** A SQL string literal, for the statements that take no parameters (ALTER ROLE … PASSWORD, CONNECTION). */
export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}

/** Creates the database if it does not exist yet (safe against a concurrent creator). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = parsePostgresUrl(url);
  return withClient({ ...target, database: 'postgres' }, async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [target.database]);
    if (found.rowCount) return false;
    try {
      await client.query(`create database ${quoteIdent(target.database)}`);
      return true;
    } catch (error) {
      // Created meanwhile by a process starting beside this one (42P04, or 23505 from the catalog index).
      if (['42P04', '23505'].includes((error as { code?: string }).code ?? '')) return false;
      throw error;
    }
  });
}
