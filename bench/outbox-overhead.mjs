#!/usr/bin/env node
// Cost of the transactional outbox on a mutating request: POST /leads requests/s with and without it, in
// one run. Two API processes (OUTBOX on and off; the audit trail on in both) run side by side and are measured in
// alternating rounds, so machine noise hits both alike; the medians are compared.
// usage: node bench/outbox-overhead.mjs [seconds per round=5] [connections=16] [rounds=3]
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { companyAdminToken, onboard, percentile, platformToken, RUN, startApi } from './lib.mjs';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 3);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function prepare(outbox) {
  // Each process gets its own catalog and tenant prefix (lib.mjs names them after RUN + the flag).
  const app = await startApi(server, { OUTBOX: outbox, TENANT_RATE_LIMIT_RPS: '0' }, outbox);
  const pt = await platformToken(app.base);
  const slug = `outbox-${outbox}-${RUN}`;
  await onboard(app.base, pt, slug);
  return { outbox, app, token: await companyAdminToken(app.base, slug), runs: [] };
}

async function round(target) {
  const result = await autocannon({
    url: `${target.app.base}/api/v1/leads`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench lead', email: 'bench@example.test', company: 'Bench Inc', source: 'bench' }),
  });
  target.runs.push({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  });
}

const off = await prepare('off');
const on = await prepare('on');
try {
  for (let i = 0; i < rounds; i++) {
    await round(off);
    await round(on);
  }
} finally {
  await off.app.stop();
  await on.app.stop();
}
const summary = (t) => ({
  outbox: t.outbox,
  rps: percentile(
    t.runs.map((r) => r.rps),
    50,
  ),
  p50: percentile(
    t.runs.map((r) => r.p50),
    50,
  ),
  p99: percentile(
    t.runs.map((r) => r.p99),
    50,
  ),
  errors: t.runs.reduce((n, r) => n + r.errors, 0),
  rounds: t.runs.map((r) => Math.round(r.rps)),
});
const [a, b] = [summary(off), summary(on)];
const overhead = 1 - b.rps / a.rps;
for (const r of [a, b])
  console.log(
    `outbox ${r.outbox.padEnd(3)}: median ${r.rps.toFixed(0)} req/s (rounds ${r.rounds.join(', ')}), p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}`,
  );
console.log(
  `outbox overhead on POST /leads at ${connections} connections: ${(overhead * 100).toFixed(1)}% of throughput`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  `bench/results/outbox-overhead-c${connections}.json`,
  JSON.stringify({ seconds, connections, rounds, off: a, on: b, overhead }, null, 2),
);
