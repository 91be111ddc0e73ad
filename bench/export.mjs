#!/usr/bin/env node
// Export of a tenant holding many leads: time, zip size, and the API process's RSS while the
// export job streams (target: less than +100 MiB over the process at rest). The job runs in the
// API process (no REDIS_URL: in-process queue), so the API's RSS is the job's.
// usage: node bench/export.mjs [leads=100000]   (BENCH_PG: PostgreSQL admin URL, else a throw-away embedded server)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, companyAdminToken, onboard, platformToken, psql, RUN, startApi } from './lib.mjs';
import { benchServer } from './pg-server.mjs';

const count = Number(process.argv[2] ?? 100_000);
const MiB = 1024 * 1024;

/** Resident set size of a process, from /proc (Linux). */
function rss(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match[1]) * 1024;
}

async function exportOnce(app, token, sample) {
  const started = Date.now();
  const created = await api(app.base, 'POST', '/exports', { token, body: {} });
  if (created.status !== 202) throw new Error(`POST /exports: ${created.status}`);
  for (;;) {
    sample();
    const { json } = await api(app.base, 'GET', `/exports/${created.json.id}`, { token });
    if (json.status === 'ready') return { ms: Date.now() - started, view: json };
    if (json.status === 'failed') throw new Error(`export failed: ${json.error}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const server = await benchServer();
const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-export-'));
const app = await startApi(server.url, { DATA_DIR: dataDir, TENANT_RATE_LIMIT_RPS: '0' });
let result;
try {
  const pt = await platformToken(app.base);
  const slug = `exp-${RUN}`;
  await onboard(app.base, pt, slug);
  const token = await companyAdminToken(app.base, slug);
  const db = new URL(server.url);
  db.pathname = `/${RUN}_${slug.replace(/-/g, '_')}`;
  const dbUrl = db.toString();
  const adminId = psql(dbUrl, 'select id from users limit 1');
  const t0 = Date.now();
  psql(
    dbUrl,
    `insert into leads (id, name, email, phone, company, source, status, owner_id, created_at, updated_at)
     select gen_random_uuid(), 'Lead ' || i || ' ' || md5(i::text), 'lead' || i || '@example' || (i % 500) || '.test',
            '+1 555 ' || lpad((i % 10000)::text, 4, '0'), 'Company ' || (i % 2000), 'bench',
            (array['new','contacted','qualified','lost'])[1 + i % 4], '${adminId}'::uuid,
            now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval
       from generate_series(1, ${count}) i`,
  );
  console.log(`inserted ${count} leads in ${Date.now() - t0} ms`);

  // A first, small export loads the code paths; the process then rests before the measured one.
  await exportOnce(app, token, () => undefined);
  global.gc?.();
  await new Promise((r) => setTimeout(r, 2000));
  const before = rss(app.child.pid);
  let peak = before;
  const sample = () => (peak = Math.max(peak, rss(app.child.pid)));
  const timer = setInterval(sample, 20);
  const { ms, view } = await exportOnce(app, token, sample);
  clearInterval(timer);
  const leads = view.manifest.tables.find((t) => t.name === 'leads');
  result = {
    leads: leads.rows,
    exportMs: ms,
    zipMiB: Number((view.sizeBytes / MiB).toFixed(1)),
    rssBeforeMiB: Number((before / MiB).toFixed(1)),
    rssPeakMiB: Number((peak / MiB).toFixed(1)),
    rssGrowthMiB: Number(((peak - before) / MiB).toFixed(1)),
  };
  console.log(
    `export of ${result.leads} leads: ${result.exportMs} ms, zip ${result.zipMiB} MiB; API RSS ${result.rssBeforeMiB} → peak ${result.rssPeakMiB} MiB (+${result.rssGrowthMiB} MiB; target < +100 MiB)`,
  );
} finally {
  await app.stop();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/export.json', JSON.stringify({ count, ...result }, null, 2));
