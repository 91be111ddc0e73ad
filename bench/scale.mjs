#!/usr/bin/env node
// Performance at scale, one run: the floor (node:http + pg), one hot tenant, 100 tenants, 1,000
// tenants (Zipf) under a pool budget far below 1,000, and a noisy neighbour. Each scenario
// prints requests/s, p50/p99, errors, peak PostgreSQL connections of the tenant pools and RSS.
// usage: node bench/scale.mjs [seconds=10] [tenants=1000]   (BENCH_PG, else an embedded server with max_connections 600)
import autocannon from 'autocannon';
import http from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { companyAdminToken, onboard, percentile, platformToken, psql, RUN, startApi, zipf } from './lib.mjs';
import { benchServer } from './pg-server.mjs';

const seconds = Number(process.argv[2] ?? 10);
const tenantCount = Number(process.argv[3] ?? 1000);
const pgServer = await benchServer();
const server = pgServer.url;
const POOLS = 200;
const POOL_SIZE = 2;
const results = {};

const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** Samples the tenant-pool connections on the server while `work` runs; returns the peak. */
async function peakConnections(work) {
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(
        peak,
        Number(
          psql(
            server,
            `select count(*) from pg_stat_activity where application_name = 'tessera-tenant' and datname like '${RUN}%'`,
          ),
        ),
      );
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  try {
    return { value: await work(), peak };
  } finally {
    running = false;
    await sampler;
  }
}

function fire({ base, pick, connections = 32, duration = seconds }) {
  return autocannon({
    url: base,
    connections,
    duration,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, ...pick() }) }],
  });
}

function report(name, r, peak, pid) {
  const row = {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    peakConnections: peak,
    rssMiB: pid ? Math.round(rssMiB(pid)) : null,
  };
  results[name] = row;
  console.log(
    `${name.padEnd(34)} ${String(row.rps).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  errors ${row.errors}  peak conns ${peak}  RSS ${row.rssMiB ?? '-'} MiB`,
  );
}

const app = await startApi(server, {
  TENANT_POOLS_MAX: String(POOLS),
  TENANT_POOL_SIZE: String(POOL_SIZE),
  TENANT_RATE_LIMIT_RPS: '0',
});
try {
  const pt = await platformToken(app.base);
  console.log(`onboarding ${tenantCount} tenants…`);
  const tenants = [];
  const t0 = Date.now();
  for (let i = 0; i < tenantCount; i += 10) {
    const batch = Array.from({ length: Math.min(10, tenantCount - i) }, (_, k) => `z${i + k}-${RUN}`);
    await Promise.all(batch.map((slug) => onboard(app.base, pt, slug)));
    tenants.push(...batch);
  }
  console.log(`onboarded ${tenants.length} tenants in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const tokens = [];
  for (const slug of tenants.slice(0, tenantCount)) {
    tokens.push(await companyAdminToken(app.base, slug));
  }
  // 20 leads in the first 100 tenants (the hot one included).
  for (const slug of tenants.slice(0, 100)) {
    const db = new URL(server);
    db.pathname = `/${RUN}_${slug.replace(/-/g, '_')}`;
    psql(
      db.toString(),
      `insert into leads (id, name, owner_id) select gen_random_uuid(), 'Lead ' || i, gen_random_uuid() from generate_series(1, 20) i`,
    );
  }
  const leads = (i) => ({ path: '/api/v1/leads?limit=20', headers: { authorization: `Bearer ${tokens[i]}` } });

  // 1. The floor: node:http + pg, the same query on the hot tenant's database, pooled.
  const hotDb = new URL(server);
  hotDb.pathname = `/${RUN}_${tenants[0].replace(/-/g, '_')}`;
  const pool = new pg.Pool({ connectionString: hotDb.toString(), max: POOL_SIZE * 2 });
  const floor = http.createServer(async (_req, res) => {
    const [rows, count] = await Promise.all([
      pool.query('select * from leads order by created_at desc, id desc limit 20'),
      pool.query('select count(*) from leads'),
    ]);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: rows.rows, meta: { page: 1, limit: 20, total: Number(count.rows[0].count) } }));
  });
  await new Promise((r) => floor.listen(0, '127.0.0.1', r));
  const floorBase = `http://127.0.0.1:${floor.address().port}`;
  report('1. floor (node:http + pg)', await fire({ base: floorBase, pick: () => ({ path: '/' }) }), 0, null);
  floor.close();
  await pool.end();

  // 2. One hot tenant.
  let run = await peakConnections(() => fire({ base: app.base, pick: () => leads(0) }));
  report('2. one hot tenant', run.value, run.peak, app.child.pid);

  // 3. Spread over 100 tenants (uniform).
  run = await peakConnections(() => fire({ base: app.base, pick: () => leads(Math.floor(Math.random() * 100)) }));
  report('3. 100 tenants', run.value, run.peak, app.child.pid);

  // 4. 1,000 tenants, Zipf, with room for only 50 pools.
  const next = zipf(tokens.length);
  run = await peakConnections(() => fire({ base: app.base, pick: () => leads(next()) }));
  report(`4. ${tokens.length} tenants, Zipf, ${POOLS} pools`, run.value, run.peak, app.child.pid);
  results.budget = { pools: POOLS, poolSize: POOL_SIZE, connections: POOLS * POOL_SIZE };

  mkdirSync('bench/results', { recursive: true });
  const ratio = (a, b) => (results[a].rps / results[b].rps).toFixed(2);
  results.targets = {
    spreadOverHot: ratio('3. 100 tenants', '2. one hot tenant'),
    apiOverFloor: ratio('2. one hot tenant', '1. floor (node:http + pg)'),
  };
  console.log(
    `100 tenants / hot: ${results.targets.spreadOverHot} (target ≥ 0.95); API / floor: ${results.targets.apiOverFloor} (target ≥ 0.6); 1,000 tenants: errors ${results[`4. ${tokens.length} tenants, Zipf, ${POOLS} pools`].errors}, peak connections ${run.peak} of a budget of ${POOLS * POOL_SIZE}`,
  );
  writeFileSync('bench/results/scale.json', JSON.stringify(results, null, 2));
  void percentile;
} finally {
  await app.stop();
  await pgServer.stop();
}
