#!/usr/bin/env node
// Profiling aid: one tenant, GET /leads under load. Run with BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR".
import autocannon from 'autocannon';
import { companyAdminToken, onboard, platformToken, psql, RUN, startApi } from './lib.mjs';

const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const app = await startApi(server, { TENANT_RATE_LIMIT_RPS: '0', TENANT_POOL_SIZE: process.env.POOL ?? '4' });
try {
  const pt = await platformToken(app.base);
  const slug = `hot-${RUN}`;
  await onboard(app.base, pt, slug);
  const db = new URL(server);
  db.pathname = `/${RUN}_${slug.replace(/-/g, '_')}`;
  psql(
    db.toString(),
    `insert into leads (id, name, owner_id) select gen_random_uuid(), 'Lead ' || i, gen_random_uuid() from generate_series(1, 20) i`,
  );
  const token = await companyAdminToken(app.base, slug);
  const r = await autocannon({
    url: `${app.base}/api/v1/leads?limit=20`,
    headers: { authorization: `Bearer ${token}` },
    connections: Number(process.env.CONN ?? 32),
    duration: Number(process.env.SECS ?? 8),
  });
  console.log(
    `GET /leads: ${r.requests.average} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non2xx ${r.non2xx}`,
  );
} finally {
  await app.stop();
}
