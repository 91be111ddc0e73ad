#!/usr/bin/env node
// Sign-up bursts: onboarding time (POST /platform/tenants → active) one tenant at a time, then 10 at
// once, with spare databases off (TENANT_SPARE_DATABASES=0: every tenant clones the template) and on,
// in the same run. Before each measurement the spares are refilled, as between real sign-ups.
// usage: node bench/signup.mjs [one-at-a-time=5] [spare counts=0,3,10] [bursts=1]   (BENCH_PG: PostgreSQL admin URL)
import { mkdirSync, writeFileSync } from 'node:fs';
import { onboard, percentile, platformToken, psql, RUN, startApi } from './lib.mjs';

const sequential = Number(process.argv[2] ?? 5);
const counts = (process.argv[3] ?? '0,3,10').split(',').map(Number);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const bursts = Number(process.argv[4] ?? 1);
const BURST = 10;
const fmt = (ms) => (ms === undefined ? 'n/a' : `${ms.toFixed(0)} ms`);

/** Waits until the deployment holds `count` unclaimed spares (none wanted: returns at once). */
async function sparesReady(tag, count) {
  if (count === 0) return;
  const catalog = new URL(server);
  catalog.pathname = `/cat_${RUN}${tag}`;
  const t0 = Date.now();
  for (;;) {
    const n = Number(psql(catalog.toString(), 'select count(*) from spare_databases where claimed_by is null') || 0);
    if (n >= count) return;
    if (Date.now() - t0 > 120_000) throw new Error(`spares not ready in 120 s (${n}/${count})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Every mode runs at once (its own API, catalog and prefix); measurements alternate between them,
// so the machine's drift falls on each alike. Before each one every pool is full again.
const apps = [];
const results = [];
try {
  for (const spares of counts) {
    const tag = `s${spares}`;
    const app = await startApi(server, { TENANT_SPARE_DATABASES: String(spares) }, tag);
    apps.push({ spares, tag, app, token: await platformToken(app.base), alone: [], burst: [] });
  }
  const settled = () => Promise.all(apps.map((m) => sparesReady(m.tag, m.spares)));
  await settled();
  for (const m of apps) await onboard(m.app.base, m.token, `warm-${m.tag}-${RUN}`); // the template, the first pools
  for (let i = 0; i < sequential; i++)
    for (const m of apps) {
      await settled();
      m.alone.push(await onboard(m.app.base, m.token, `one${i}-${m.tag}-${RUN}`));
    }
  for (let round = 0; round < bursts; round++)
    for (const m of apps) {
      await settled();
      const slugs = Array.from({ length: BURST }, (_, i) => `b${round}x${i}-${m.tag}-${RUN}`);
      m.burst.push(...(await Promise.all(slugs.map((slug) => onboard(m.app.base, m.token, slug)))));
    }
  // What spares change inside the saga: the database and migrations steps (as the catalog recorded them).
  for (const m of apps) {
    const catalog = new URL(server);
    catalog.pathname = `/cat_${RUN}${m.tag}`;
    const sql = `select coalesce(sum((s->>'ms')::int), 0) from tenants, jsonb_array_elements(steps::jsonb) s
      where s->>'step' in ('database', 'migrations') and slug not like 'warm-%' group by slug`;
    m.steps = psql(catalog.toString(), sql).split('\n').filter(Boolean).map(Number);
  }
} finally {
  for (const m of apps) await m.app.stop();
}
for (const m of apps) {
  const row = {
    spares: m.spares,
    aloneMedian: percentile(m.alone, 50),
    burstMedian: percentile(m.burst, 50),
    burstP95: percentile(m.burst, 95),
    databaseStepsMedian: percentile(m.steps, 50),
  };
  results.push(row);
  console.log(
    `TENANT_SPARE_DATABASES=${m.spares}: one at a time median ${fmt(row.aloneMedian)} (${sequential} tenants); ${BURST} at once (${bursts} rounds): per tenant median ${fmt(row.burstMedian)}, p95 ${fmt(row.burstP95)}; database + migrations steps median ${fmt(row.databaseStepsMedian)}`,
  );
}
const base = results.find((r) => r.spares === 0);
if (base)
  for (const r of results.filter((x) => x.spares > 0))
    console.log(
      `spares ${r.spares} vs off: one at a time ${(r.aloneMedian / base.aloneMedian).toFixed(2)}×, ${BURST} at once (median) ${(r.burstMedian / base.burstMedian).toFixed(2)}×`,
    );
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/signup.json', JSON.stringify(results, null, 2));
