#!/usr/bin/env node
// Noisy neighbour: tenant A floods at 10× its TENANT_RATE_LIMIT_RPS while tenant B, under its
// limit, is measured alone and then beside A. B must keep ≥ 0.9 of its quiet throughput.
// usage: node bench/noisy.mjs [seconds=10] [limit=100]
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { companyAdminToken, onboard, platformToken, RUN, startApi } from './lib.mjs';

const seconds = Number(process.argv[2] ?? 10);
const limit = Number(process.argv[3] ?? 100);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const app = await startApi(server, { TENANT_RATE_LIMIT_RPS: String(limit) });
try {
  const pt = await platformToken(app.base);
  const token = async (name) => {
    const slug = `${name}-${RUN}`;
    await onboard(app.base, pt, slug);
    return companyAdminToken(app.base, slug);
  };
  const [noisy, measured] = [await token('noisy'), await token('measured')];
  const run = (tok, rate, connections) =>
    autocannon({
      url: `${app.base}/api/v1/leads?limit=20`,
      headers: { authorization: `Bearer ${tok}` },
      duration: seconds,
      connections,
      overallRate: rate,
    });
  const ok = (r) => (r.requests.total - r.non2xx) / seconds;
  const rate = Math.floor(limit * 0.8);
  const quiet = await run(measured, rate, 4);
  const [flood, beside] = await Promise.all([run(noisy, limit * 10, 32), run(measured, rate, 4)]);
  const result = {
    limit,
    measured: {
      quietOkRps: ok(quiet),
      besideOkRps: ok(beside),
      quietP99: quiet.latency.p99,
      besideP99: beside.latency.p99,
      keeps: ok(beside) / ok(quiet),
    },
    noisy: { offeredRps: flood.requests.average, okRps: ok(flood), throttled: flood.non2xx },
  };
  console.log(
    `measured tenant at ${rate} req/s: quiet ${result.measured.quietOkRps.toFixed(0)} ok/s (p99 ${quiet.latency.p99} ms), beside the noisy one ${result.measured.besideOkRps.toFixed(0)} ok/s (p99 ${beside.latency.p99} ms): keeps ${(result.measured.keeps * 100).toFixed(0)}% (target ≥ 90%)`,
  );
  console.log(
    `noisy tenant offered ${result.noisy.offeredRps.toFixed(0)} req/s, served ${result.noisy.okRps.toFixed(0)}/s, throttled ${result.noisy.throttled} with 429`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/noisy.json', JSON.stringify(result, null, 2));
} finally {
  await app.stop();
}
