#!/usr/bin/env node
// The ops console's tenants page with 5,000 tenants in the catalog: GET /api/v1/platform/tenants with
// each filter and a search, p50/p95 over N requests each (target: under 1.5 s), and the page's three
// calls together. The tenants are catalog rows only (inserted by SQL): the list reads nothing else.
// usage: node bench/console-tenants.mjs [tenants=5000] [requests=40]   (BENCH_PG: PostgreSQL admin URL)
import { mkdirSync, writeFileSync } from 'node:fs';
import { api, percentile, platformToken, psql, RUN, startApi } from './lib.mjs';

const tenants = Number(process.argv[2] ?? 5000);
const requests = Number(process.argv[3] ?? 40);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const app = await startApi(server);
const results = { tenants, requests, cases: [] };
try {
  const token = await platformToken(app.base);
  const catalog = new URL(server);
  catalog.pathname = `/cat_${RUN}`;
  const cat = catalog.toString();
  const dbServer = psql(cat, 'select name from db_servers order by name limit 1');
  const t0 = Date.now();
  psql(
    cat,
    `insert into tenants (id, slug, name, plan, status, db_server, db_name, db_role, db_password_enc, schema_version,
                          created_at, updated_at, activated_at)
     select gen_random_uuid(), 'bench-' || i, 'Company ' || i || ' ' || md5(i::text),
            (array['standard', 'starter', 'enterprise'])[1 + i % 3],
            (array['active', 'active', 'active', 'suspended', 'failed', 'offboarded', 'provisioning'])[1 + i % 7],
            '${dbServer}', 'bench_db_' || i, 'bench_role_' || i, 'sealed',
            case when i % 10 = 0 then 'Migration20261201000000' else 'Migration20261207212733' end,
            now() - (i || ' minutes')::interval, now(), now() - (i || ' minutes')::interval
       from generate_series(1, ${tenants}) i`,
  );
  psql(cat, 'analyze tenants');
  console.log(`inserted ${tenants} catalog tenants in ${Date.now() - t0} ms`);
  const cases = [
    ['default page (newest first)', ''],
    ['status=active', 'status=active'],
    [`server=${dbServer}`, `server=${dbServer}`],
    ['plan=enterprise', 'plan=enterprise'],
    ['schemaVersion (10% behind)', 'schemaVersion=Migration20261201000000'],
    ['search q=company 42 (slug or name)', 'q=company%2042'],
    ['search q=md5 fragment (selective)', 'q=c4ca42'],
    ['all filters + search', `status=active&server=${dbServer}&plan=standard&q=company%201`],
    ['page 100, sort by name', 'page=100&sort=name'],
  ];
  for (const [label, query] of cases) {
    const times = [];
    let total;
    for (let i = 0; i < requests; i++) {
      const start = performance.now();
      const r = await api(app.base, 'GET', `/platform/tenants?limit=25&${query}`, { token });
      times.push(performance.now() - start);
      if (r.status !== 200) throw new Error(`${label}: ${r.status} ${JSON.stringify(r.json)}`);
      total = r.json.meta.total;
    }
    const row = { label, total, p50: percentile(times, 50), p95: percentile(times, 95) };
    results.cases.push(row);
    console.log(
      `${label.padEnd(40)} total ${String(total).padStart(5)}  p50 ${row.p50.toFixed(1)} ms  p95 ${row.p95.toFixed(1)} ms`,
    );
  }
  // The page itself: servers, plans and the first page of tenants, in parallel as the console sends them.
  const times = [];
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    await Promise.all([
      api(app.base, 'GET', '/platform/servers?limit=100', { token }),
      api(app.base, 'GET', '/platform/plans?limit=100', { token }),
      api(app.base, 'GET', '/platform/tenants?limit=25', { token }),
    ]);
    times.push(performance.now() - start);
  }
  results.page = { p50: percentile(times, 50), p95: percentile(times, 95) };
  console.log(
    `tenants page (3 calls in parallel)         p50 ${results.page.p50.toFixed(1)} ms  p95 ${results.page.p95.toFixed(1)} ms`,
  );
  const worst = Math.max(results.page.p95, ...results.cases.map((c) => c.p95));
  console.log(`worst p95 ${worst.toFixed(1)} ms (target < 1500 ms): ${worst < 1500 ? 'met' : 'MISSED'}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/console-tenants.json', JSON.stringify(results, null, 2));
} finally {
  // Catalog-only rows: no database or role to drop beyond the catalog itself.
  await app.stop();
}
