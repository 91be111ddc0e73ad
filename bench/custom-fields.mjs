#!/usr/bin/env node
// Custom field filters and sort on a tenant holding 100k leads with values: index builds (the job),
// plans (EXPLAIN ANALYZE of the statements the API runs) and API timings of the same lists.
// usage: node bench/custom-fields.mjs [leads=100000]   (BENCH_PG: PostgreSQL admin URL, default local server)
import { writeFileSync, mkdirSync } from 'node:fs';
import { api, companyAdminToken, onboard, percentile, platformToken, psql, RUN, startApi } from './lib.mjs';

const count = Number(process.argv[2] ?? 100_000);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const app = await startApi(server);
const results = { leads: count, indexBuilds: [], plans: [], api: [] };

// The list statement of libs/crm/src/owned-list.ts for leads (lead.repository.ts), values inlined.
const COLUMNS = `"id", "name", "email", "phone", "company", "source", "status", "owner_id" as "ownerId", "custom_fields" as "customFields",
  to_char("created_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt",
  to_char("updated_at" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "updatedAt"`;
const list = (where, order = `"leads"."created_at" desc, "leads"."id" desc`) =>
  `select ${COLUMNS}, (select count(*) from "leads" where ${where}) as "total" from "leads" where ${where} order by ${order} limit 20 offset 0`;

try {
  const pt = await platformToken(app.base);
  const slug = `cf-${RUN}`;
  await onboard(app.base, pt, slug);
  const db = new URL(server);
  db.pathname = `/${RUN}_${slug.replace(/-/g, '_')}`;
  const dbUrl = db.toString();
  const token = await companyAdminToken(app.base, slug);
  const adminId = psql(dbUrl, 'select id from users limit 1');
  const t0 = Date.now();
  // seats: 0..999; renewal: a day over ~3 years; tier: 5 options; tags: 2 of 10 per lead.
  psql(
    dbUrl,
    `insert into leads (id, name, email, company, status, owner_id, created_at, updated_at, custom_fields)
     select gen_random_uuid(), 'Lead ' || i, 'lead' || i || '@example.test', 'Company ' || (i % 2000),
            (array['new','contacted','qualified','lost','converted'])[1 + i % 5], '${adminId}'::uuid,
            now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval,
            jsonb_build_object(
              'seats', (i * 7919) % 1000,
              'renewal', to_char(date '2026-01-01' + ((i * 31) % 1100), 'YYYY-MM-DD'),
              'tier', (array['gold','silver','bronze','iron','wood'])[1 + (i * 13) % 5],
              'tags', jsonb_build_array('t' || (i % 10), 't' || ((i / 10) % 10 + 10)))
       from generate_series(1, ${count}) i`,
  );
  psql(dbUrl, 'vacuum analyze leads');
  console.log(`inserted ${count} leads with custom values in ${Date.now() - t0} ms`);
  const fields = [
    { key: 'seats', label: 'Seats', type: 'number' },
    { key: 'renewal', label: 'Renewal', type: 'date' },
    { key: 'tier', label: 'Tier', type: 'select', options: ['gold', 'silver', 'bronze', 'iron', 'wood'] },
    {
      key: 'tags',
      label: 'Tags',
      type: 'multiselect',
      options: Array.from({ length: 20 }, (_, i) => `t${i}`),
    },
  ];
  for (const field of fields) {
    const started = Date.now();
    const r = await api(app.base, 'POST', '/custom-fields', {
      token,
      body: { entity: 'lead', indexed: true, ...field },
    });
    if (r.status !== 201) throw new Error(`define ${field.key}: ${r.status} ${JSON.stringify(r.json)}`);
    for (;;) {
      const got = await api(app.base, 'GET', `/custom-fields/lead/${field.key}`, { token });
      if (got.json.indexStatus === 'ready') break;
      if (got.json.indexStatus === 'failed') throw new Error(`index ${field.key}: ${got.json.indexError}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    results.indexBuilds.push({ key: field.key, ms: Date.now() - started });
    console.log(`index cf_lead_${field.key} (${field.type}) ready in ${Date.now() - started} ms (job, CONCURRENTLY)`);
  }
  psql(dbUrl, 'analyze leads');
  const seats = `"custom_fields" -> 'seats'`;
  const renewal = `"custom_fields" -> 'renewal'`;
  const cases = [
    ['cf.seats=42 (0.1%)', list(`${seats} = '42'::jsonb`)],
    ['cf.seats[gte]=100&cf.seats[lte]=109 (1%)', list(`${seats} >= '100'::jsonb and ${seats} <= '109'::jsonb`)],
    [
      'cf.renewal[gte]=2027-03-01&cf.renewal[lt]=2027-03-08 (0.6%)',
      list(`${renewal} >= '"2027-03-01"'::jsonb and ${renewal} < '"2027-03-08"'::jsonb`),
    ],
    ['cf.tier=gold (20%)', list(`"custom_fields" -> 'tier' = '"gold"'::jsonb`)],
    ['cf.tags=t3 (multiselect contains, 10%)', list(`"custom_fields" -> 'tags' @> '["t3"]'::jsonb`)],
    [
      'cf.tags=t13 and cf.seats[lt]=50',
      list(`"custom_fields" -> 'tags' @> '["t13"]'::jsonb and ${seats} < '50'::jsonb`),
    ],
    ['sort=cf.seats', list('true', `("leads"."custom_fields" -> 'seats') asc, "leads"."id" asc`)],
    ['sort=-cf.renewal', list('true', `("leads"."custom_fields" -> 'renewal') desc, "leads"."id" desc`)],
    [
      'cf.seats[gte]=990&sort=-cf.seats',
      list(`${seats} >= '990'::jsonb`, `("leads"."custom_fields" -> 'seats') desc, "leads"."id" desc`),
    ],
  ];
  for (const [label, sql] of cases) {
    const plan = JSON.parse(psql(dbUrl, `explain (analyze, format json) ${sql.replace('where true ', '')}`))[0];
    const nodes = [];
    const walk = (n) => {
      nodes.push(n['Index Name'] ? `${n['Node Type']} (${n['Index Name']})` : n['Node Type']);
      (n.Plans ?? []).forEach(walk);
    };
    walk(plan.Plan);
    const seq = nodes.some((n) => n.startsWith('Seq Scan'));
    const cf = nodes.some((n) => n.includes('(cf_lead_'));
    results.plans.push({ label, ms: plan['Execution Time'], seqScan: seq, cfIndex: cf, nodes });
    console.log(
      `${seq ? 'SEQ ' : 'idx '}${cf ? 'cf ' : '   '}${plan['Execution Time'].toFixed(2).padStart(8)} ms  ${label}: ${nodes.join(' > ')}`,
    );
  }
  const requests = [
    ['GET /leads?cf.seats=42', '/leads?cf.seats=42'],
    ['GET /leads?cf.seats[gte]=100&cf.seats[lte]=109', '/leads?cf.seats%5Bgte%5D=100&cf.seats%5Blte%5D=109'],
    [
      'GET /leads?cf.renewal[gte]=2027-03-01&cf.renewal[lt]=2027-03-08',
      '/leads?cf.renewal%5Bgte%5D=2027-03-01&cf.renewal%5Blt%5D=2027-03-08',
    ],
    ['GET /leads?cf.tier=gold', '/leads?cf.tier=gold'],
    ['GET /leads?cf.tags=t3', '/leads?cf.tags=t3'],
    ['GET /leads?sort=cf.seats', '/leads?sort=cf.seats'],
    ['GET /leads?sort=-cf.renewal', '/leads?sort=-cf.renewal'],
    ['GET /leads?limit=20 (no custom filter, for comparison)', '/leads?limit=20'],
  ];
  for (const [label, path] of requests) {
    const times = [];
    for (let i = 0; i < 30; i++) {
      const s = performance.now();
      const r = await api(app.base, 'GET', path, { token });
      if (r.status !== 200) throw new Error(`${label}: ${r.status} ${JSON.stringify(r.json)}`);
      times.push(performance.now() - s);
    }
    results.api.push({ label, p50: percentile(times, 50), p95: percentile(times, 95) });
    console.log(`API ${label}: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`);
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/custom-fields.json', JSON.stringify(results, null, 2));
} finally {
  await app.stop();
}
