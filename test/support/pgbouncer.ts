import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackage } from './debian-package';
import { freePort, listening, sleep } from './wait';

export const PGBOUNCER_BIN = '/usr/sbin/pgbouncer';

export interface PgBouncerOptions {
  /** The PostgreSQL server behind it: an admin (superuser) URL, used as auth_user for auth_query. */
  serverUrl: string;
  /** default_pool_size: server connections per (database, role). */
  defaultPoolSize: number;
  /** max_db_connections: server connections per database, of every role (auth_query's too). */
  maxDbConnections: number;
  /** server_idle_timeout in seconds. */
  serverIdleTimeout: number;
  maxClientConn?: number;
}

export interface PgBouncer {
  host: string;
  port: number;
  /** The admin console (database `pgbouncer`) as the server's admin user. */
  adminUrl: string;
  log(): string;
  stop(): Promise<void>;
}

function quote(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/**
 * A real PgBouncer (Debian's `pgbouncer` package) as a plain child process: transaction pooling,
 * every database of the server (`* = …`), tenant roles authenticated by auth_query as the
 * server's admin (PgBouncer reads their SCRAM verifiers and passes the SCRAM login through), its
 * config, auth file and log in a temporary folder that `stop` removes.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  if (!ensureDebianPackage(PGBOUNCER_BIN, 'pgbouncer')) {
    throw new Error(
      `PgBouncer is not installed (${PGBOUNCER_BIN}): apt-get install -y pgbouncer (the tests install it themselves when run as root)`,
    );
  }
  const server = new URL(options.serverUrl);
  const admin = decodeURIComponent(server.username);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pgbouncer-'));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  writeFileSync(join(dir, 'userlist.txt'), `${quote(admin)} ${quote(decodeURIComponent(server.password))}\n`);
  const config = [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || 5432}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    // PgBouncer refuses to run as root: switch to the user the embedded PostgreSQL runs as.
    ...(asRoot ? ['user = postgres'] : []),
    'auth_type = scram-sha-256',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    `auth_user = ${admin}`,
    'auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename=$1',
    `admin_users = ${admin}`,
    'pool_mode = transaction',
    `default_pool_size = ${options.defaultPoolSize}`,
    // Per database, the tenant role's pool and the auth_user's (auth_query runs in that database).
    `max_db_connections = ${options.maxDbConnections}`,
    'min_pool_size = 0',
    'reserve_pool_size = 0',
    `server_idle_timeout = ${options.serverIdleTimeout}`,
    `max_client_conn = ${options.maxClientConn ?? 1000}`,
    // Tenant pools send no startup parameter PgBouncer would refuse: none is ignored here.
    'ignore_startup_parameters =',
    'query_wait_timeout = 60',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'pgbouncer.ini'), config);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    for (const file of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, file), uid, gid);
    chmodSync(dir, 0o700);
  }
  const child: ChildProcess = spawn(PGBOUNCER_BIN, [join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const log = () => {
    const file = join(dir, 'pgbouncer.log');
    return (existsSync(file) ? readFileSync(file, 'utf8') : '') + stderr;
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT'); // immediate shutdown
      const stubborn = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(stubborn);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const why = log().trim().split('\n').slice(-5).join(' | ');
      await stop();
      throw new Error(`PgBouncer did not start: ${why}`);
    }
    await sleep(50);
  }
  const adminUrl = `postgresql://${server.username}:${server.password}@127.0.0.1:${port}/pgbouncer`;
  return { host: '127.0.0.1', port, adminUrl, log, stop };
}
