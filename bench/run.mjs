#!/usr/bin/env node
// npm run bench: every benchmark in one run, against BENCH_PG (default: the local PostgreSQL server).
// Figures go to the console and bench/results/*.json.
import { spawnSync } from 'node:child_process';

const steps = [
  ['onboarding: POST /platform/tenants → active, 10 tenants', ['bench/onboarding.mjs', '10']],
  ['leads list and search on 100k leads (plans and API timings)', ['bench/explain.mjs', '100000']],
  ['audit trail overhead on POST /leads (16 connections)', ['bench/audit-overhead.mjs', '10', '16']],
  ['audit trail overhead on POST /leads (4 connections)', ['bench/audit-overhead.mjs', '10', '4']],
];
let failed = 0;
for (const [title, args] of steps) {
  console.log(`\n== ${title}`);
  const run = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' } });
  if (run.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
