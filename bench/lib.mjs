// Shared helpers of the benchmark scripts: start the built API on a fresh catalog, talk to it, clean up.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export const RUN = `bench${randomBytes(3).toString('hex')}`;
export const ADMIN = { email: `root@${RUN}.test`, password: `bench-admin-${RUN}` };

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const MALLOC = 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=131072';

function mallocSettings() {
  const pairs = (process.env.BENCH_MALLOC ?? MALLOC).split(' ').filter(Boolean);
  return Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/** Starts dist/apps/api on `serverUrl` (a PostgreSQL admin URL) with its own catalog and prefix. */
export async function startApi(serverUrl, env = {}, tag = '') {
  const port = await freePort();
  const catalog = new URL(serverUrl);
  catalog.pathname = `/cat_${RUN}${tag}`;
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
  const child = spawn(process.execPath, [...nodeArgs, 'dist/apps/api/src/main.js'], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: catalog.toString(),
      TENANT_DB_PREFIX: `${RUN}${tag}_`,
      PLATFORM_ADMIN_EMAIL: ADMIN.email,
      PLATFORM_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      // glibc's settings as `npm start` and the image run it (package.json, docker/Dockerfile);
      // BENCH_MALLOC="NAME=value …" replaces them to compare, e.g. BENCH_MALLOC="X=1" for glibc's defaults.
      ...mallocSettings(),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 60_000) throw new Error('the API did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    dropEverything(serverUrl, tag);
  };
  return { base, stop, child };
}

export function psql(serverUrl, sql) {
  return execFileSync('psql', [serverUrl, '-Atqc', sql], { encoding: 'utf8' }).trim();
}

function dropEverything(serverUrl, tag) {
  for (const db of psql(serverUrl, `select datname from pg_database where datname like '%${RUN}${tag}%'`)
    .split('\n')
    .filter(Boolean)) {
    psql(serverUrl, `drop database if exists "${db}" with (force)`);
  }
  for (const role of psql(serverUrl, `select rolname from pg_roles where rolname like '${RUN}${tag}%'`)
    .split('\n')
    .filter(Boolean)) {
    psql(serverUrl, `drop role if exists "${role}"`);
  }
}

export async function api(base, method, path, { token, tenant, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (tenant) headers['x-tenant-id'] = tenant;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

export async function platformToken(base) {
  const r = await api(base, 'POST', '/platform/auth/login', { body: ADMIN });
  if (r.status !== 200) throw new Error(`platform login: ${r.status}`);
  return r.json.accessToken;
}

/** How often `onboard` polls a tenant's status (BENCH_POLL_MS). */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 250);

/**
 * Onboards one tenant; resolves with the time from sending POST /platform/tenants to the moment
 * the catalog marked it active (its `activatedAt`, written by a process on this machine's clock),
 * so the figure holds no polling delay. The status is polled every 250 ms, as a sign-up page
 * would: ten pollers at 20 ms are 500 requests/s, a load of the benchmark's own making that took
 * a third of the machine from the burst it measures (figures for both in the README).
 */
export async function onboard(base, token, slug) {
  const sent = Date.now();
  const r = await api(base, 'POST', '/platform/tenants', {
    token,
    body: {
      slug,
      name: slug,
      adminEmail: `admin@${slug}.test`,
      adminName: 'Admin',
      adminPassword: `admin-${slug}-pass`,
    },
  });
  if (r.status !== 202) throw new Error(`create ${slug}: ${r.status} ${JSON.stringify(r.json)}`);
  for (;;) {
    const s = await api(base, 'GET', `/platform/tenants/${slug}`, { token });
    if (s.json.status === 'active') return Date.parse(s.json.activatedAt) - sent;
    if (s.json.status === 'failed') throw new Error(`${slug} failed: ${s.json.error}`);
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}

/** The access token of the company admin `onboard` created for `slug` (its e-mail and password). */
export async function companyAdminToken(base, slug) {
  const r = await api(base, 'POST', '/auth/login', {
    tenant: slug,
    body: { email: `admin@${slug}.test`, password: `admin-${slug}-pass` },
  });
  if (r.status !== 200) throw new Error(`login ${slug}: ${r.status}`);
  return r.json.accessToken;
}

/** A picker of indexes 0..n-1, Zipf-distributed (exponent s): a few hot tenants, a long tail. */
export function zipf(n, s = 1.1) {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  return () => {
    const u = Math.random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
