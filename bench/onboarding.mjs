#!/usr/bin/env node
// Time from POST /platform/tenants to `active`, one tenant after another.
// usage: node bench/onboarding.mjs [count]   (BENCH_PG: PostgreSQL admin URL, default local server)
import { onboard, percentile, platformToken, RUN, startApi } from './lib.mjs';

const count = Number(process.argv[2] ?? 10);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const app = await startApi(server);
try {
  const token = await platformToken(app.base);
  const times = [];
  for (let i = 0; i < count; i++) times.push(await onboard(app.base, token, `o${i}-${RUN}`));
  const fmt = (v) => `${v.toFixed(0)} ms`;
  console.log(
    `onboarding ${count} tenants (first includes the template): first ${fmt(times[0])}, median ${fmt(percentile(times, 50))}, p95 ${fmt(percentile(times, 95))}, max ${fmt(Math.max(...times))}`,
  );
} finally {
  await app.stop();
}
