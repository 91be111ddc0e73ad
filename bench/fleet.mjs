#!/usr/bin/env node
// Onboarding 50 tenants one after another (median, p95), then up to 200 at 10 at a time, then a
// fleet migration of all of them through the CLI (`migrate --all --concurrency 8`).
// usage: node bench/fleet.mjs [sequential=50] [total=200]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { onboard, percentile, platformToken, RUN, startApi } from './lib.mjs';

const sequential = Number(process.argv[2] ?? 50);
const total = Number(process.argv[3] ?? 200);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const app = await startApi(server, { TENANT_POOLS_MAX: '20' });
const result = {};
try {
  const pt = await platformToken(app.base);
  const times = [];
  for (let i = 0; i < sequential; i++) times.push(await onboard(app.base, pt, `s${i}-${RUN}`));
  result.sequential = {
    count: sequential,
    first: times[0],
    median: percentile(times.slice(1), 50),
    p95: percentile(times.slice(1), 95),
  };
  console.log(
    `onboarding ${sequential} tenants one by one: first (template) ${times[0].toFixed(0)} ms, then median ${result.sequential.median.toFixed(0)} ms, p95 ${result.sequential.p95.toFixed(0)} ms`,
  );

  const rest = Array.from({ length: total - sequential }, (_, i) => `c${i}-${RUN}`);
  const t0 = Date.now();
  const concurrent = [];
  for (let i = 0; i < rest.length; i += 10)
    concurrent.push(...(await Promise.all(rest.slice(i, i + 10).map((slug) => onboard(app.base, pt, slug)))));
  result.concurrent = {
    count: rest.length,
    seconds: (Date.now() - t0) / 1000,
    median: percentile(concurrent, 50),
    p95: percentile(concurrent, 95),
  };
  console.log(
    `onboarding ${rest.length} more, 10 at a time: ${result.concurrent.seconds.toFixed(1)} s, median ${result.concurrent.median.toFixed(0)} ms, p95 ${result.concurrent.p95.toFixed(0)} ms`,
  );

  const catalog = new URL(server);
  catalog.pathname = `/cat_${RUN}`;
  const env = { ...process.env, DATABASE_URL: catalog.toString(), TENANT_DB_PREFIX: `${RUN}_`, LOG_LEVEL: 'error' };
  const m0 = Date.now();
  const out = execFileSync(process.execPath, ['dist/apps/cli/src/main.js', 'migrate', '--all', '--concurrency', '8'], {
    env,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const lines = out.trim().split('\n');
  const perTenant = lines.filter((l) => l.includes(' ms\t')).map((l) => Number(l.split('\t')[2].replace(' ms', '')));
  result.fleet = {
    tenants: perTenant.length,
    seconds: (Date.now() - m0) / 1000,
    median: percentile(perTenant, 50),
    p95: percentile(perTenant, 95),
    summary: lines.at(-1),
  };
  console.log(
    `fleet migration of ${perTenant.length} tenants (CLI, concurrency 8, nothing pending): ${result.fleet.seconds.toFixed(1)} s in all, per tenant median ${result.fleet.median} ms, p95 ${result.fleet.p95} ms — ${result.fleet.summary}`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/fleet.json', JSON.stringify(result, null, 2));
} finally {
  await app.stop();
}
