#!/usr/bin/env node
// Tenant churn, one run: GET /leads?limit=20 at 32 connections, spread uniformly over tenants
// (a) inside the connection budget and (b) twice as many tenants as the budget has pools, in
// alternating rounds after a warm-up, same process and settings. Prints requests/s, the ratio
// (b)/(a) (target ≥ 0.5), errors, and the peak tenant connections PostgreSQL saw vs the budget.
// usage: node bench/churn.mjs [seconds=5] [pools=35] [poolSize=4] [inside=12] [rounds=2]
//        (BENCH_PG, else an embedded server with max_connections 600)
import autocannon from 'autocannon';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { companyAdminToken, onboard, platformToken, RUN, startApi } from './lib.mjs';
import { benchServer } from './pg-server.mjs';

const seconds = Number(process.argv[2] ?? 5);
const POOLS = Number(process.argv[3] ?? 35);
const POOL_SIZE = Number(process.argv[4] ?? 4);
const INSIDE = Number(process.argv[5] ?? 12);
const ROUNDS = Number(process.argv[6] ?? 2);
const OVER = 2 * POOLS;
const BUDGET = POOLS * POOL_SIZE;
const CONNECTIONS = 32;

const pgServer = await benchServer();
const server = pgServer.url;
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** Samples the tenant connections PostgreSQL sees every 20 ms while `work` runs; returns the peak. */
async function withPeak(work) {
  const client = new pg.Client({ connectionString: server, application_name: 'bench-sampler' });
  await client.connect();
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const { rows } = await client.query(
        `select count(*)::int as n from pg_stat_activity where application_name = 'tessera-tenant' and datname like $1`,
        [`${RUN}%`],
      );
      peak = Math.max(peak, rows[0].n);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { value: await work(), peak };
  } finally {
    running = false;
    await sampler;
    await client.end();
  }
}

/** The first few answers that were not 2xx, with their bodies (what failed, and why). */
const failures = [];

function fire(base, tokens, duration) {
  return autocannon({
    url: base,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({
          ...req,
          path: '/api/v1/leads?limit=20',
          headers: { authorization: `Bearer ${tokens[Math.floor(Math.random() * tokens.length)]}` },
        }),
        onResponse: (status, body) => {
          if (status >= 300 && failures.length < 5) failures.push(`${status} ${String(body).slice(0, 200)}`);
        },
      },
    ],
  });
}

const app = await startApi(server, {
  TENANT_POOLS_MAX: String(POOLS),
  TENANT_POOL_SIZE: String(POOL_SIZE),
  TENANT_RATE_LIMIT_RPS: '0',
});
try {
  const pt = await platformToken(app.base);
  const slugs = Array.from({ length: OVER }, (_, i) => `c${i}-${RUN}`);
  const t0 = Date.now();
  for (let i = 0; i < slugs.length; i += 10)
    await Promise.all(slugs.slice(i, i + 10).map((s) => onboard(app.base, pt, s)));
  console.log(`onboarded ${slugs.length} tenants in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const tokens = [];
  for (const slug of slugs) {
    tokens.push(await companyAdminToken(app.base, slug));
  }
  for (const slug of slugs) {
    const url = new URL(server);
    url.pathname = `/${RUN}_${slug.replace(/-/g, '_')}`;
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await db.query(
      `insert into leads (id, name, owner_id) select gen_random_uuid(), 'Lead ' || i, gen_random_uuid() from generate_series(1, 20) i`,
    );
    await db.end();
  }
  const scenarios = {
    inside: { title: `${INSIDE} tenants inside the budget`, tokens: tokens.slice(0, INSIDE), rounds: [] },
    over: { title: `${OVER} tenants (2× the ${POOLS}-pool budget)`, tokens, rounds: [] },
  };
  // Warm-up: every tenant once, then a short round of each scenario.
  for (const token of tokens)
    await fetch(`${app.base}/api/v1/leads?limit=20`, { headers: { authorization: `Bearer ${token}` } });
  for (const s of Object.values(scenarios)) await fire(app.base, s.tokens, Math.max(2, Math.ceil(seconds / 2)));

  for (let round = 0; round < ROUNDS; round++) {
    for (const s of Object.values(scenarios)) {
      const { value: r, peak } = await withPeak(() => fire(app.base, s.tokens, seconds));
      const row = {
        rps: Math.round(r.requests.average),
        p50: r.latency.p50,
        p99: r.latency.p99,
        errors: r.errors + r.non2xx + r.timeouts,
        failures: Object.fromEntries(
          [
            ...Object.entries(r.statusCodeStats ?? {})
              .filter(([code]) => !code.startsWith('2'))
              .map(([code, { count }]) => [code, count]),
            ['socket errors', r.errors],
            ['timeouts', r.timeouts],
          ].filter(([, n]) => n > 0),
        ),
        peakConnections: peak,
      };
      s.rounds.push(row);
      console.log(
        `round ${round + 1} ${s.title.padEnd(36)} ${String(row.rps).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  errors ${row.errors}${row.errors ? ` ${JSON.stringify(row.failures)}` : ''}  peak conns ${peak}/${BUDGET}`,
      );
    }
  }
  const summary = (s) => ({
    title: s.title,
    tenants: s.tokens.length,
    rps: Math.round(s.rounds.reduce((n, r) => n + r.rps, 0) / s.rounds.length),
    errors: s.rounds.reduce((n, r) => n + r.errors, 0),
    peakConnections: Math.max(...s.rounds.map((r) => r.peakConnections)),
    rounds: s.rounds,
  });
  const inside = summary(scenarios.inside);
  const over = summary(scenarios.over);
  const ratio = Number((over.rps / inside.rps).toFixed(2));
  const stats = await fetch(`${app.base}/metrics`).then((r) => r.text());
  const metric = (name) => Number(new RegExp(`^${name}\\{server="main"\\} (\\d+)`, 'm').exec(stats)?.[1] ?? NaN);
  const results = {
    settings: { seconds, rounds: ROUNDS, connections: CONNECTIONS, pools: POOLS, poolSize: POOL_SIZE, budget: BUDGET },
    inside,
    over,
    ratio,
    target: 0.5,
    errors: inside.errors + over.errors,
    peakConnections: Math.max(inside.peakConnections, over.peakConnections),
    budgetExceeded: Math.max(inside.peakConnections, over.peakConnections) > BUDGET,
    failures,
    evictions: metric('tessera_tenant_pool_evictions'),
    rssMiB: Math.round(rssMiB(app.child.pid)),
  };
  console.log(
    `2× over budget / inside: ${ratio} (target ≥ 0.5): ${over.rps} vs ${inside.rps} req/s; errors ${results.errors}; peak tenant connections ${results.peakConnections} of a budget of ${BUDGET}; evictions ${results.evictions}; RSS ${results.rssMiB} MiB`,
  );
  for (const failure of failures) console.log(`  failed: ${failure}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/churn.json', JSON.stringify(results, null, 2));
} finally {
  await app.stop();
  await pgServer.stop();
}
