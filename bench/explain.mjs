#!/usr/bin/env node
// Leads list and search on a tenant holding 100k leads: plans (EXPLAIN ANALYZE) and API timings.
// usage: node bench/explain.mjs [leads=100000]   (BENCH_PG: PostgreSQL admin URL, default local server)
import { writeFileSync, mkdirSync } from 'node:fs';
import { ADMIN, api, companyAdminToken, onboard, percentile, platformToken, psql, RUN, startApi } from './lib.mjs';

const count = Number(process.argv[2] ?? 100_000);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const app = await startApi(server);
const results = { leads: count, plans: [], api: [] };
try {
  const pt = await platformToken(app.base);
  const slug = `x-${RUN}`;
  await onboard(app.base, pt, slug);
  const db = new URL(server);
  db.pathname = `/${RUN}_${slug.replace(/-/g, '_')}`;
  const dbUrl = db.toString();
  const token = await companyAdminToken(app.base, slug);
  const adminId = psql(dbUrl, 'select id from users limit 1');
  // 100k leads over 20 owners, 5 statuses, spread over a year.
  const t0 = Date.now();
  psql(
    dbUrl,
    `insert into leads (id, name, email, company, status, owner_id, created_at, updated_at)
     select gen_random_uuid(), 'Lead ' || i || ' ' || md5(i::text), 'lead' || i || '@example' || (i % 500) || '.test',
            'Company ' || (i % 2000), (array['new','contacted','qualified','lost','converted'])[1 + i % 5],
            case when i % 20 = 0 then '${adminId}'::uuid else md5('owner' || (i % 20))::uuid end,
            now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval
       from generate_series(1, ${count}) i`,
  );
  // Steady state, as autovacuum leaves it: GIN pending lists merged, visibility map set.
  psql(dbUrl, 'vacuum analyze leads');
  console.log(`inserted ${count} leads in ${Date.now() - t0} ms`);
  const owner = `md5('owner3')::uuid`;
  const cases = [
    ['default page (created_at desc)', `select * from leads order by created_at desc, id desc limit 20`],
    ['page 50', `select * from leads order by created_at desc, id desc limit 20 offset 980`],
    [
      'owner filter (staff view)',
      `select * from leads where owner_id = ${owner} order by created_at desc, id desc limit 20`,
    ],
    ['status filter', `select * from leads where status = 'qualified' order by created_at desc, id desc limit 20`],
    ['sort by name', `select * from leads order by name asc, id asc limit 20`],
    ['sort by -company', `select * from leads order by company desc, id desc limit 20`],
    [
      'search q (ILIKE on name/email/company)',
      `select * from leads where name ilike '%company 17%' or email ilike '%company 17%' or company ilike '%company 17%' order by created_at desc, id desc limit 20`,
    ],
    [
      'count for q (5% of rows match)',
      `select count(*) from leads where name ilike '%company 17%' or email ilike '%company 17%' or company ilike '%company 17%'`,
    ],
    [
      'selective search q=example17.test',
      `select * from leads where name ilike '%example17.test%' or email ilike '%example17.test%' or company ilike '%example17.test%' order by created_at desc, id desc limit 20`,
    ],
    [
      'count for selective q',
      `select count(*) from leads where name ilike '%example17.test%' or email ilike '%example17.test%' or company ilike '%example17.test%'`,
    ],
    ['count for meta.total (owner)', `select count(*) from leads where owner_id = ${owner}`],
    ['count for meta.total (all)', `select count(*) from leads`],
  ];
  for (const [label, sql] of cases) {
    const plan = JSON.parse(psql(dbUrl, `explain (analyze, format json) ${sql}`))[0];
    const nodes = [];
    const walk = (n) => {
      nodes.push(n['Index Name'] ? `${n['Node Type']} (${n['Index Name']})` : n['Node Type']);
      (n.Plans ?? []).forEach(walk);
    };
    walk(plan.Plan);
    const seq = nodes.some((n) => n.startsWith('Seq Scan'));
    results.plans.push({ label, ms: plan['Execution Time'], seqScan: seq, nodes });
    console.log(
      `${seq ? 'SEQ ' : 'idx '} ${plan['Execution Time'].toFixed(2).padStart(8)} ms  ${label}: ${nodes.join(' > ')}`,
    );
  }
  const requests = [
    ['GET /leads?limit=20', '/leads?limit=20'],
    ['GET /leads?page=50&limit=20', '/leads?page=50&limit=20'],
    ['GET /leads?status=qualified', '/leads?status=qualified'],
    ['GET /leads?sort=name', '/leads?sort=name'],
    ['GET /leads?q=company%2017 (5% match)', '/leads?q=company%2017'],
    ['GET /leads?q=example17.test (0.2% match)', '/leads?q=example17.test'],
  ];
  for (const [label, path] of requests) {
    const times = [];
    for (let i = 0; i < 30; i++) {
      const s = performance.now();
      const r = await api(app.base, 'GET', path, { token });
      if (r.status !== 200) throw new Error(`${label}: ${r.status}`);
      times.push(performance.now() - s);
    }
    results.api.push({ label, p50: percentile(times, 50), p95: percentile(times, 95) });
    console.log(`API ${label}: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`);
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/explain.json', JSON.stringify(results, null, 2));
  void ADMIN;
} finally {
  await app.stop();
}
