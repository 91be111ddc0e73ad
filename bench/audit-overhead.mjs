#!/usr/bin/env node
// Cost of the audit trail on a mutating request: POST /leads requests/s with and without it, one run.
// usage: node bench/audit-overhead.mjs [seconds=10] [connections=16]
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { api, onboard, platformToken, RUN, startApi } from './lib.mjs';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 16);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function measure(auditTrail) {
  const app = await startApi(server, { AUDIT_TRAIL: auditTrail, TENANT_RATE_LIMIT_RPS: '0' });
  try {
    const pt = await platformToken(app.base);
    const slug = `audit-${auditTrail}-${RUN}`;
    await onboard(app.base, pt, slug);
    const login = await api(app.base, 'POST', '/auth/login', { tenant: slug, body: { email: `admin@${slug}.test`, password: `admin-${slug}-pass` } });
    const result = await autocannon({
      url: `${app.base}/api/v1/leads`,
      method: 'POST',
      connections,
      duration: seconds,
      headers: { authorization: `Bearer ${login.json.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench lead', email: 'bench@example.test', company: 'Bench Inc', source: 'bench' }),
    });
    return { auditTrail, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors };
  } finally {
    await app.stop();
  }
}

const off = await measure('off');
const on = await measure('on');
const overhead = 1 - on.rps / off.rps;
for (const r of [off, on]) console.log(`audit ${r.auditTrail.padEnd(3)}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}`);
console.log(`audit trail overhead on POST /leads: ${(overhead * 100).toFixed(1)}% of throughput`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/audit-overhead.json', JSON.stringify({ seconds, connections, off, on, overhead }, null, 2));
