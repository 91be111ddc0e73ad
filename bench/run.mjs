#!/usr/bin/env node
// npm run bench: every benchmark in one run, against BENCH_PG (default: the local PostgreSQL server).
// Figures go to the console and bench/results/*.json.
import { spawnSync } from 'node:child_process';

const steps = [
  [
    'read path: floor (node:http + pg, same SQL, pool 4) vs one tenant, GET /leads?limit=20',
    ['bench/reads.mjs', '4', '3'],
  ],
  [
    'tenant churn: 2× more active tenants than the budget vs a spread inside it (35 pools × 4)',
    ['bench/churn.mjs', '5', '35', '4', '12', '2'],
  ],
  ['PgBouncer: 1,000 tenants (Zipf) through one pooler, 3 API instances', ['bench/pooler.mjs', '10', '1000', '3']],
  ['sign-up bursts: onboarding with spare databases off and on', ['bench/signup.mjs', '5', '0,10']],
  [
    'scale: floor, one hot tenant, 100 tenants, 1,000 tenants (Zipf) under a 200-pool budget',
    ['bench/scale.mjs', '10', '1000'],
  ],
  ['noisy neighbour at 10× its rate limit', ['bench/noisy.mjs', '10', '100']],
  ['load: 64 connections, 60 s, reads and writes over 10 tenants, every write audited', ['bench/load.mjs', '60', '10']],
  [
    'webhooks: commit → receiver latency and deliveries/s under the 60 s load, 10 tenants',
    ['bench/webhook-latency.mjs', '60', '10'],
  ],
  ['onboarding 50 tenants, then 200 in all, then a fleet migration of 200', ['bench/fleet.mjs', '50', '200']],
  ['leads list and search on 100k leads (plans and API timings)', ['bench/explain.mjs', '100000']],
  [
    'custom field filters and sort on 100k leads (index builds, plans, API timings)',
    ['bench/custom-fields.mjs', '100000'],
  ],
  [
    'analytics on 100k leads and 100k deals with history, lead score training on 100k leads',
    ['bench/analytics.mjs', '100000'],
  ],
  [
    'ops console: tenants list with 5,000 tenants, each filter and a search',
    ['bench/console-tenants.mjs', '5000', '40'],
  ],
  ['export of a tenant with 100k leads: time, zip size, API RSS growth', ['bench/export.mjs', '100000']],
  ['audit trail overhead on POST /leads (16 connections)', ['bench/audit-overhead.mjs', '5', '16', '3']],
  ['audit trail overhead on POST /leads (4 connections)', ['bench/audit-overhead.mjs', '5', '4', '3']],
  ['outbox overhead on POST /leads (16 connections)', ['bench/outbox-overhead.mjs', '5', '16', '3']],
  ['plan limits on POST /leads (16 connections)', ['bench/quota-overhead.mjs', '5', '16', '3']],
  ['Idempotency-Key on POST /leads (16 connections)', ['bench/idempotency-overhead.mjs', '5', '16', '3']],
  [
    'relocation of a live tenant with 100k leads: logical replication vs write freeze',
    ['bench/relocation.mjs', '100000'],
  ],
];
let failed = 0;
for (const [title, args] of steps) {
  console.log(`\n== ${title}`);
  const run = spawnSync(process.execPath, args, {
    stdio: 'inherit',
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' },
  });
  if (run.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
