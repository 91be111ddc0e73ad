#!/usr/bin/env node
// Load: 64 connections for 60 s mixing reads and writes across tenants; afterwards every
// successful mutation must have its audit entry. usage: node bench/load.mjs [seconds=60] [tenants=10]
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { companyAdminToken, onboard, platformToken, psql, RUN, startApi } from './lib.mjs';

const seconds = Number(process.argv[2] ?? 60);
const count = Number(process.argv[3] ?? 10);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const app = await startApi(server, { TENANT_RATE_LIMIT_RPS: '0' });
try {
  const pt = await platformToken(app.base);
  const tenants = [];
  for (let i = 0; i < count; i++) {
    const slug = `load${i}-${RUN}`;
    await onboard(app.base, pt, slug);
    const token = await companyAdminToken(app.base, slug);
    tenants.push({ slug, token });
  }
  const requests = [
    { method: 'GET', path: '/api/v1/leads?limit=20', weight: 6 },
    { method: 'GET', path: '/api/v1/leads?q=load&limit=20', weight: 1 },
    {
      method: 'POST',
      path: '/api/v1/leads',
      body: JSON.stringify({ name: 'Load lead', email: 'load@example.test', company: 'Load Inc' }),
      weight: 3,
    },
  ];
  const pickRequest = () => {
    let r = Math.random() * 10;
    for (const q of requests) if ((r -= q.weight) < 0) return q;
    return requests[0];
  };
  const result = await autocannon({
    url: app.base,
    connections: 64,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => {
          const tenant = tenants[Math.floor(Math.random() * tenants.length)];
          const q = pickRequest();
          req.tenant = tenant.slug;
          return {
            ...req,
            method: q.method,
            path: q.path,
            body: q.body,
            headers: {
              authorization: `Bearer ${tenant.token}`,
              'content-type': 'application/json',
              'x-tenant-slug-for-bench': tenant.slug,
            },
          };
        },
      },
    ],
  });
  // Requests the load generator abandoned at the end may still be finishing on the server.
  await new Promise((r) => setTimeout(r, 2000));
  // Every lead in a tenant's database has exactly one `lead.create` success entry in its own
  // audit trail (both counted in one snapshot).
  let leads = 0;
  let entries = 0;
  for (const t of tenants) {
    const db = new URL(server);
    db.pathname = `/${RUN}_${t.slug.replace(/-/g, '_')}`;
    const [l, e] = psql(
      db.toString(),
      "select (select count(*) from leads), (select count(*) from audit_logs where action = 'lead.create' and outcome = 'success')",
    ).split('|');
    leads += Number(l);
    entries += Number(e);
  }
  const summary = {
    seconds,
    connections: 64,
    tenants: count,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    leadsWritten: leads,
    auditEntries: entries,
  };
  console.log(
    `${summary.requests} requests in ${seconds} s (${summary.rps} req/s, p50 ${summary.p50} ms, p99 ${summary.p99} ms) over ${count} tenants: errors ${summary.errors}, non-2xx ${summary.non2xx}; ${leads} leads written, ${entries} audit entries`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/load.json', JSON.stringify(summary, null, 2));
  if (summary.errors || summary.non2xx || leads !== entries) process.exitCode = 1;
} finally {
  await app.stop();
}
