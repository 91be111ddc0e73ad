#!/usr/bin/env node
// What plan limits cost on the create path: POST /leads requests/s for four tenants of one API
// process, measured in alternating rounds so machine noise hits all alike; medians compared.
//   floor     — the usage triggers disabled on the tenant's tables: no quota machinery at all
//   counted   — the `standard` plan (no limits): triggers keep the usage counters, nothing is set
//   one       — a plan limiting leads: one set_config per transaction, the trigger compares
//   all       — a plan limiting all six counted resources (six settings per transaction)
// usage: node bench/quota-overhead.mjs [seconds per round=5] [connections=16] [rounds=3]
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { api, companyAdminToken, onboard, percentile, platformToken, psql, RUN, startApi } from './lib.mjs';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 3);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HUGE = 1_000_000_000;

const app = await startApi(server, { TENANT_RATE_LIMIT_RPS: '0' }, 'quota');
const targets = [];
try {
  const pt = await platformToken(app.base);
  const plans = {
    one: { leads: HUGE },
    all: { users: HUGE, leads: HUGE, deals: HUGE, apiKeys: HUGE, customFields: HUGE, webhooks: HUGE },
  };
  for (const [code, limits] of Object.entries(plans)) {
    const res = await api(app.base, 'POST', '/platform/plans', {
      token: pt,
      body: { code: `bench-${code}`, name: code, limits, features: [] },
    });
    if (res.status !== 201) throw new Error(`plan ${code}: ${res.status} ${JSON.stringify(res.json)}`);
  }
  for (const variant of ['floor', 'counted', 'one', 'all']) {
    const slug = `quota-${variant}-${RUN}`;
    await onboard(app.base, pt, slug);
    if (variant === 'one' || variant === 'all') {
      const res = await api(app.base, 'PUT', `/platform/tenants/${slug}/plan`, {
        token: pt,
        body: { plan: `bench-${variant}` },
      });
      if (res.status !== 200) throw new Error(`plan of ${slug}: ${res.status}`);
    }
    if (variant === 'floor') {
      const db = new URL(server);
      db.pathname = `/${RUN}quota_${slug.replace(/-/g, '_')}`;
      psql(db.toString(), 'alter table leads disable trigger leads_usage_insert');
    }
    targets.push({ variant, slug, token: await companyAdminToken(app.base, slug), runs: [] });
  }
  // A warm-up round each (connections opened, code paths compiled), not counted.
  for (const target of targets)
    await autocannon({
      url: `${app.base}/api/v1/leads`,
      method: 'POST',
      connections,
      duration: 2,
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Warm-up lead' }),
    });
  for (let i = 0; i < rounds; i++)
    for (const target of targets) {
      const result = await autocannon({
        url: `${app.base}/api/v1/leads`,
        method: 'POST',
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Bench lead', email: 'bench@example.test', company: 'Bench Inc' }),
      });
      target.runs.push({
        rps: result.requests.average,
        p99: result.latency.p99,
        errors: result.non2xx + result.errors,
      });
    }
} finally {
  await app.stop();
}
const median = (runs, key) =>
  percentile(
    runs.map((r) => r[key]),
    50,
  );
const summary = targets.map(({ variant, runs }) => ({
  variant,
  rps: median(runs, 'rps'),
  p99: median(runs, 'p99'),
  errors: runs.reduce((n, r) => n + r.errors, 0),
  rounds: runs.map((r) => Math.round(r.rps)),
}));
const floor = summary[0].rps;
for (const r of summary)
  console.log(
    `${r.variant.padEnd(8)}: median ${r.rps.toFixed(0)} req/s = ${(r.rps / floor).toFixed(3)} × floor (rounds ${r.rounds.join(', ')}), p99 ${r.p99} ms, errors ${r.errors}`,
  );
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  `bench/results/quota-overhead-c${connections}.json`,
  JSON.stringify({ seconds, connections, rounds, summary }, null, 2),
);
