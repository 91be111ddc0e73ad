#!/usr/bin/env node
// Many tenants through one PgBouncer: N tenants (Zipf) spread over 3 API instances whose
// tenants.config.json names a pooler (Debian's pgbouncer, transaction mode, started here), on
// a server with max_connections 600. Samples the PostgreSQL connections on the tenant databases
// (PgBouncer's server connections, auth_query's included) and checks them against the budget:
// DB_CONNECTION_SHARE × max_connections. Prints req/s, p50/p99, errors and the peak.
// usage: node bench/pooler.mjs [seconds=10] [tenants=1000] [instances=3]   (needs dist/: npm run build)
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { companyAdminToken, freePort, onboard, platformToken, psql, RUN, startApi, zipf } from './lib.mjs';
import { benchServer } from './pg-server.mjs';

const seconds = Number(process.argv[2] ?? 10);
const tenantCount = Number(process.argv[3] ?? 1000);
const instances = Number(process.argv[4] ?? 3);
const SHARE = 0.8;
// default_pool_size 1 per tenant role, max_db_connections 2 per database (auth_query's connection), idle 0.25 s.
const PGBOUNCER_POOL = { defaultPoolSize: 1 };
const POOLER = { maxDbConnections: 2, serverIdleTimeout: 0.25 };
const PGBOUNCER = '/usr/sbin/pgbouncer';

if (!existsSync(PGBOUNCER)) throw new Error(`PgBouncer is not installed (${PGBOUNCER}): apt-get install -y pgbouncer`);

/** PgBouncer as a plain process: transaction mode, auth_query as the server's admin, a temp folder. */
async function startPgBouncer(serverUrl) {
  const server = new URL(serverUrl);
  const admin = decodeURIComponent(server.username);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-pgbouncer-'));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const q = (v) => `"${v.replace(/"/g, '""')}"`;
  writeFileSync(join(dir, 'userlist.txt'), `${q(admin)} ${q(decodeURIComponent(server.password))}\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      ...(asRoot ? ['user = postgres'] : []),
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `auth_user = ${admin}`,
      'pool_mode = transaction',
      `default_pool_size = ${PGBOUNCER_POOL.defaultPoolSize}`,
      `max_db_connections = ${POOLER.maxDbConnections}`,
      'min_pool_size = 0',
      'reserve_pool_size = 0',
      `server_idle_timeout = ${POOLER.serverIdleTimeout}`,
      'max_client_conn = 5000',
      '',
    ].join('\n'),
  );
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']));
    const gid = Number(execFileSync('id', ['-g', 'postgres']));
    for (const f of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, f), uid, gid);
  }
  const child = spawn(PGBOUNCER, [join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  const up = () =>
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
  for (let i = 0; !(await up()); i++) {
    if (child.exitCode !== null || i > 200)
      throw new Error(`PgBouncer did not start: ${readFileSync(join(dir, 'pgbouncer.log'), 'utf8').slice(-500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = () => (existsSync(join(dir, 'pgbouncer.log')) ? readFileSync(join(dir, 'pgbouncer.log'), 'utf8') : '');
  const stop = async () => {
    if (process.env.BENCH_PGBOUNCER_LOG) writeFileSync(process.env.BENCH_PGBOUNCER_LOG, log());
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, stop };
}

const pgServer = await benchServer();
const server = pgServer.url;
const maxConnections = Number(psql(server, 'show max_connections'));
const bouncer = await startPgBouncer(server);
const configDir = mkdtempSync(join(tmpdir(), 'tessera-bench-pooler-'));
const tenantsConfig = join(configDir, 'tenants.json');
writeFileSync(
  tenantsConfig,
  JSON.stringify({
    servers: [
      {
        name: 'main',
        useCatalogServer: true,
        capacity: 5000,
        tags: ['general'],
        // BENCH_DIRECT=1: the same run without the pooler, for comparison.
        ...(!process.env.BENCH_DIRECT && { pooler: { host: '127.0.0.1', port: bouncer.port, ...POOLER } }),
      },
    ],
  }),
);
const env = {
  TENANTS_CONFIG: tenantsConfig,
  API_INSTANCES: String(instances),
  DB_CONNECTION_SHARE: String(SHARE),
  TENANT_POOLS_MAX: '200',
  TENANT_POOL_SIZE: '2',
  TENANT_RATE_LIMIT_RPS: '0',
};
const apps = [];
let sampler;
try {
  // The first instance migrates the catalog; the others join the same deployment (same tag).
  apps.push(await startApi(server, env));
  for (let i = 1; i < instances; i++) apps.push(await startApi(server, { ...env, MIGRATE_ON_START: 'false' }));
  const base = apps[0].base;
  console.log(`onboarding ${tenantCount} tenants…`);
  const t0 = Date.now();
  const tenants = [];
  for (let i = 0; i < tenantCount; i += 10) {
    // A fresh platform token per batch: onboarding many tenants outlasts one access token.
    const pt = await platformToken(base);
    const batch = Array.from({ length: Math.min(10, tenantCount - i) }, (_, k) => `p${i + k}-${RUN}`);
    await Promise.all(batch.map((slug) => onboard(base, pt, slug)));
    tenants.push(...batch);
    if ((i + 10) % 100 === 0) console.log(`  ${i + 10} onboarded after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  console.log(`onboarded ${tenants.length} tenants in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const tokens = [];
  for (let i = 0; i < tenants.length; i += 20) {
    const batch = tenants.slice(i, i + 20);
    tokens.push(...(await Promise.all(batch.map((slug, k) => companyAdminToken(apps[k % apps.length].base, slug)))));
  }

  // What the budget allows: each instance's share, minus its reserve, in whole tenant databases.
  const perInstance = Math.floor((maxConnections * SHARE) / instances) - 10;
  const perDatabase = POOLER.maxDbConnections;
  const budget = instances * Math.floor(perInstance / perDatabase) * perDatabase;
  const like = `${RUN}\\_%`;
  let peak = 0;
  let running = true;
  sampler = (async () => {
    while (running) {
      peak = Math.max(peak, Number(psql(server, `select count(*) from pg_stat_activity where datname like '${like}'`)));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const next = zipf(tokens.length);
  const runs = await Promise.all(
    apps.map((app) =>
      autocannon({
        url: app.base,
        connections: 16,
        duration: seconds,
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({
              ...req,
              path: '/api/v1/leads?limit=20',
              headers: { authorization: `Bearer ${tokens[next()]}` },
            }),
          },
        ],
      }),
    ),
  );
  running = false;
  await sampler;
  const rps = runs.reduce((n, r) => n + r.requests.average, 0);
  const errors = runs.reduce((n, r) => n + r.errors + r.non2xx + r.timeouts, 0);
  const requests = runs.reduce((n, r) => n + r.requests.total, 0);
  const result = {
    tenants: tenants.length,
    instances,
    through: process.env.BENCH_DIRECT ? 'direct' : 'pgbouncer',
    maxConnections,
    pooler: POOLER,
    budget,
    shareOfMaxConnections: Math.floor(maxConnections * SHARE),
    peakServerConnections: peak,
    rps: Math.round(rps),
    requests,
    errors,
    p50: Math.max(...runs.map((r) => r.latency.p50)),
    p99: Math.max(...runs.map((r) => r.latency.p99)),
  };
  console.log(
    `${tenants.length} tenants, Zipf, ${process.env.BENCH_DIRECT ? 'direct (no pooler)' : 'through PgBouncer'}, ${instances} API instances: ${result.rps} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  errors ${errors} of ${requests}  peak server connections ${peak} (budget ${budget}, ratio ${(peak / budget).toFixed(2)})`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/pooler.json', JSON.stringify(result, null, 2));
  if (peak > budget || errors > 0) process.exitCode = 1;
} finally {
  // On the throw-away server (no BENCH_PG) dropping hundreds of databases one by one is wasted
  // time: stopping the server removes them all. On BENCH_PG, the first instance's stop drops them.
  const throwAway = !process.env.BENCH_PG;
  for (const app of throwAway ? apps : apps.slice(1)) {
    app.child.kill('SIGTERM');
    await new Promise((r) => (app.child.exitCode === null ? app.child.once('exit', r) : r()));
  }
  if (!throwAway) await apps[0]?.stop();
  await bouncer.stop();
  rmSync(configDir, { recursive: true, force: true });
  await pgServer.stop();
}
