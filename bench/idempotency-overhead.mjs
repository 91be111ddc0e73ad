#!/usr/bin/env node
// Cost of an Idempotency-Key on a create: POST /leads requests/s without a key and with a fresh key
// per request, on one API process and one tenant, in alternating rounds (machine noise hits both
// alike); the medians are compared. A keyed create claims its key in the ledger (in process here:
// no REDIS_URL), records it in the tenant database in the write's own transaction
// (idempotency_commits) and keeps its answer for replays.
// usage: node bench/idempotency-overhead.mjs [seconds per round=5] [connections=16] [rounds=3]
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { companyAdminToken, onboard, percentile, platformToken, RUN, startApi } from './lib.mjs';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 3);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const app = await startApi(server, { TENANT_RATE_LIMIT_RPS: '0' });
const runs = { plain: [], keyed: [] };
try {
  const pt = await platformToken(app.base);
  const slug = `idem-${RUN}`;
  await onboard(app.base, pt, slug);
  const token = await companyAdminToken(app.base, slug);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ name: 'Bench lead', email: 'bench@example.test', company: 'Bench Inc' });
  const round = async (kind) => {
    const result = await autocannon({
      url: `${app.base}/api/v1/leads`,
      method: 'POST',
      connections,
      duration: seconds,
      headers,
      body,
      requests: [
        {
          setupRequest: (request) =>
            kind === 'keyed'
              ? { ...request, headers: { ...request.headers, 'idempotency-key': randomUUID() } }
              : request,
        },
      ],
    });
    runs[kind].push({ rps: result.requests.average, p50: result.latency.p50, errors: result.non2xx + result.errors });
  };
  await round('plain'); // warm-up, not counted
  runs.plain.length = 0;
  for (let i = 0; i < rounds; i++) {
    await round('plain');
    await round('keyed');
  }
} finally {
  await app.stop();
}
const median = (kind, field) =>
  percentile(
    runs[kind].map((r) => r[field]),
    50,
  );
const summary = Object.fromEntries(
  ['plain', 'keyed'].map((kind) => [
    kind,
    {
      rps: median(kind, 'rps'),
      p50: median(kind, 'p50'),
      errors: runs[kind].reduce((n, r) => n + r.errors, 0),
      rounds: runs[kind].map((r) => Math.round(r.rps)),
    },
  ]),
);
for (const kind of ['plain', 'keyed'])
  console.log(
    `${kind === 'plain' ? 'no key  ' : 'with key'}: median ${summary[kind].rps.toFixed(0)} req/s (rounds ${summary[kind].rounds.join(', ')}), p50 ${summary[kind].p50} ms, errors ${summary[kind].errors}`,
  );
const ratio = summary.keyed.rps / summary.plain.rps;
console.log(`POST /leads with an Idempotency-Key / without: ${ratio.toFixed(2)} at ${connections} connections`);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/idempotency-overhead.json',
  JSON.stringify({ seconds, connections, rounds, ...summary, ratio }, null, 2),
);
