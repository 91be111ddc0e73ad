#!/usr/bin/env node
// Analytics on a tenant holding 100k leads and 100k deals with a year of history: p50/p95 of the four
// analytics endpoints, and the lead score training on the 100k leads (time from POST to the stored
// model, API RSS growth while it trains: targets < 60 s and < +200 MiB; the job runs in the API
// process, no REDIS_URL, so the API's RSS is the job's).
// usage: node bench/analytics.mjs [rows=100000]   (BENCH_PG: PostgreSQL admin URL, default local server)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { api, companyAdminToken, onboard, percentile, platformToken, psql, RUN, startApi } from './lib.mjs';

const count = Number(process.argv[2] ?? 100_000);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MiB = 1024 * 1024;
const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

const app = await startApi(server);
const results = { rows: count, api: [] };
try {
  const pt = await platformToken(app.base);
  const slug = `an-${RUN}`;
  await onboard(app.base, pt, slug);
  const db = new URL(server);
  db.pathname = `/${RUN}_${slug.replace(/-/g, '_')}`;
  const dbUrl = db.toString();
  const token = await companyAdminToken(app.base, slug);
  const t0 = Date.now();
  // Leads over a year, 8 sources (referral converts more, cold less), status from a hash of i.
  psql(
    dbUrl,
    `insert into leads (id, name, email, phone, source, status, owner_id, created_at, updated_at)
     select gen_random_uuid(), 'Lead ' || i,
            case i % 3 when 0 then 'l' || i || '@gmail.com' when 1 then 'l' || i || '@corp' || (i % 900) || '.test' end,
            case when i % 3 = 0 then '+1 555 ' || i end,
            (array['web','ads','referral','fair','mail','partner','event','cold'])[1 + i % 8],
            case when r < 30 then 'converted' when r < 55 then 'lost' when r < 70 then 'qualified'
                 when r < 85 then 'contacted' else 'new' end,
            md5('owner' || (i % 20))::uuid, c, c
       from (select i, timestamptz '2025-12-01' + (i % 365) * interval '1 day' + (i % 24) * interval '1 hour' as c,
                    least(99, greatest(0, abs(hashtext('st' || i)) % 100 + case i % 8 when 2 then -20 when 7 then 25 else 0 end)) as r
               from generate_series(1, ${count}) i) s`,
  );
  psql(
    dbUrl,
    `insert into deals (id, title, amount, currency, stage, owner_id, closed_at, created_at, updated_at)
     select gen_random_uuid(), 'Deal ' || i, (i % 1000) * 10.5, (array['EUR','USD','GBP'])[1 + i % 3],
            st, md5('owner' || (i % 20))::uuid, case when st in ('won', 'lost') then c + interval '21 days' end, c, c
       from (select i, timestamptz '2025-12-01' + (i % 365) * interval '1 day' as c,
                    case when r < 25 then 'won' when r < 45 then 'lost' when r < 65 then 'prospecting'
                         when r < 85 then 'proposal' else 'negotiation' end as st
               from (select i, abs(hashtext('d' || i)) % 100 as r from generate_series(1, ${count}) i) h) s`,
  );
  // The triggers wrote the inserts at now(); replace them with a year of history.
  psql(
    dbUrl,
    `delete from lead_status_history;
     insert into lead_status_history (lead_id, from_status, to_status, owner_id, at)
       select id, null, 'new', owner_id, created_at from leads
       union all select id, 'new', 'contacted', owner_id, created_at + (abs(hashtext(id::text)) % 72 + 1) * interval '1 hour'
         from leads where status <> 'new'
       union all select id, 'contacted', 'qualified', owner_id, created_at + interval '5 days'
         from leads where status = 'qualified' or (status in ('converted', 'lost') and abs(hashtext(id::text)) % 2 = 0)
       union all select id, case when abs(hashtext(id::text)) % 2 = 0 then 'qualified' else 'contacted' end, status, owner_id,
              created_at + interval '10 days' from leads where status in ('converted', 'lost');
     delete from deal_stage_history;
     insert into deal_stage_history (deal_id, from_stage, to_stage, amount, currency, owner_id, at)
       select id, null, 'prospecting', amount, currency, owner_id, created_at from deals
       union all select id, 'prospecting', 'proposal', amount, currency, owner_id, created_at + interval '7 days'
         from deals where stage <> 'prospecting'
       union all select id, 'proposal', 'negotiation', amount, currency, owner_id, created_at + interval '14 days'
         from deals where stage in ('negotiation', 'won')
       union all select id, case when stage = 'won' then 'negotiation' else 'proposal' end, stage, amount, currency,
              owner_id, created_at + interval '21 days' from deals where stage in ('won', 'lost');
`,
  );
  for (const table of ['leads', 'deals', 'lead_status_history', 'deal_stage_history'])
    psql(dbUrl, `vacuum analyze ${table}`);
  results.historyRows = {
    leads: Number(psql(dbUrl, 'select count(*) from lead_status_history')),
    deals: Number(psql(dbUrl, 'select count(*) from deal_stage_history')),
  };
  console.log(
    `seeded ${count} leads and ${count} deals (${results.historyRows.leads} + ${results.historyRows.deals} history rows) in ${Date.now() - t0} ms`,
  );

  const period = 'from=2026-01-01&to=2027-01-01';
  const requests = [
    ['GET /analytics/pipeline (12 months)', `/analytics/pipeline?${period}&interval=month`],
    ['GET /analytics/pipeline (53 weeks)', `/analytics/pipeline?${period}&interval=week`],
    ['GET /analytics/funnel (a year)', `/analytics/funnel?${period}`],
    ['GET /analytics/win-rate?groupBy=owner', `/analytics/win-rate?${period}&groupBy=owner`],
    ['GET /analytics/win-rate?groupBy=source', `/analytics/win-rate?${period}&groupBy=source`],
    ['GET /analytics/win-rate?groupBy=month', `/analytics/win-rate?${period}&groupBy=month`],
    ['GET /analytics/forecast', '/analytics/forecast'],
  ];
  for (const [label, path] of requests) {
    const times = [];
    for (let i = 0; i < 10; i++) {
      const s = performance.now();
      const r = await api(app.base, 'GET', path, { token });
      if (r.status !== 200) throw new Error(`${label}: ${r.status} ${JSON.stringify(r.json)}`);
      times.push(performance.now() - s);
    }
    results.api.push({ label, p50: percentile(times, 50), p95: percentile(times, 95) });
    console.log(`API ${label}: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`);
  }

  /** POST the training, wait for the model `version`; time from the POST, API RSS growth over the process at rest. */
  async function measureTraining(version) {
    await new Promise((r) => setTimeout(r, 2000));
    const before = rss(app.child.pid);
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, rss(app.child.pid))), 20);
    const started = performance.now();
    const queued = await api(app.base, 'POST', '/analytics/models/lead-score/train', { token, body: {} });
    if (queued.status !== 202) throw new Error(`train: ${queued.status} ${JSON.stringify(queued.json)}`);
    let model;
    for (;;) {
      const row = psql(dbUrl, `select samples, auc from lead_score_models where version = ${version}`);
      if (row) {
        model = row.split('|');
        break;
      }
      if (performance.now() - started > 300_000) throw new Error('no model in 300 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const trainMs = performance.now() - started;
    clearInterval(timer);
    const t = {
      samples: Number(model[0]),
      auc: Number(model[1]),
      ms: Math.round(trainMs),
      rssBeforeMiB: Number((before / MiB).toFixed(1)),
      rssPeakMiB: Number((peak / MiB).toFixed(1)),
      rssGrowthMiB: Number(((peak - before) / MiB).toFixed(1)),
    };
    console.log(
      `lead score training on ${t.samples} labelled leads: ${t.ms} ms (target < 60 s), AUC ${t.auc}; API RSS ${t.rssBeforeMiB} → peak ${t.rssPeakMiB} MiB (+${t.rssGrowthMiB} MiB; target < +200 MiB)`,
    );
    return t;
  }
  results.training = [await measureTraining(1)];
  // Then every lead labelled: the training reads and fits all 100k.
  psql(
    dbUrl,
    `update leads set status = case when abs(hashtext(id::text)) % 3 = 0 then 'converted' else 'lost' end
      where status not in ('converted', 'lost')`,
  );
  results.training.push(await measureTraining(2));
  const [{ id }] = JSON.parse(
    psql(dbUrl, `select json_agg(json_build_object('id', id)) from (select id from leads limit 1) l`),
  );
  const times = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    const r = await api(app.base, 'GET', `/leads/${id}/score`, { token });
    if (r.status !== 200) throw new Error(`score: ${r.status}`);
    times.push(performance.now() - s);
  }
  results.api.push({ label: 'GET /leads/:id/score', p50: percentile(times, 50), p95: percentile(times, 95) });
  console.log(
    `API GET /leads/:id/score: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/analytics.json', JSON.stringify(results, null, 2));
} finally {
  await app.stop();
}
