#!/usr/bin/env node
// Webhook delivery latency and throughput under the 60 s load (bench/load.mjs's mix: 64
// connections, reads and lead writes over 10 tenants), every tenant subscribed with `lead.*` to a
// receiver on 127.0.0.1. Latency = receiver arrival − the event's occurredAt (its commit, within
// a few ms), p50/p99; throughput = deliveries/s while the load runs, and the time the last one
// took to arrive after the load stopped.
// usage: node bench/webhook-latency.mjs [seconds=60] [tenants=10]
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { api, companyAdminToken, onboard, percentile, platformToken, psql, RUN, startApi } from './lib.mjs';

const seconds = Number(process.argv[2] ?? 60);
const count = Number(process.argv[3] ?? 10);
const server = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// The receiver runs in a process of its own: autocannon's 64 connections would otherwise delay its
// answers and its clock readings on this process's event loop.
const RECEIVER = `
const { createServer } = require('node:http');
const seen = new Set();
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const at = Date.now();
    const event = JSON.parse(body);
    res.writeHead(204).end();
    if (seen.has(event.id)) return;
    seen.add(event.id);
    process.stdout.write(JSON.stringify({ at, latency: at - Date.parse(event.occurredAt) }) + '\\n');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
`;
const arrivals = [];
const receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => {
  createInterface({ input: receiver.stdout }).on('line', (line) => {
    const message = JSON.parse(line);
    if (message.port) resolve(message.port);
    else arrivals.push(message);
  });
});
const url = `http://127.0.0.1:${port}/hook`;

const app = await startApi(server, {
  TENANT_RATE_LIMIT_RPS: '0',
  WEBHOOKS_ALLOW_PRIVATE: 'true',
  WEBHOOKS_ALLOW_HTTP: 'true',
});
try {
  const pt = await platformToken(app.base);
  const tenants = [];
  for (let i = 0; i < count; i++) {
    const slug = `hook${i}-${RUN}`;
    await onboard(app.base, pt, slug);
    const token = await companyAdminToken(app.base, slug);
    const created = await api(app.base, 'POST', '/webhooks', {
      token,
      tenant: slug,
      body: { url, events: ['lead.*'] },
    });
    if (created.status !== 201) throw new Error(`webhook of ${slug}: ${created.status}`);
    tenants.push({ slug, token });
  }
  const started = Date.now();
  const result = await autocannon({
    url: app.base,
    connections: 64,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => {
          const tenant = tenants[Math.floor(Math.random() * tenants.length)];
          const write = Math.random() < 0.3;
          return {
            ...req,
            method: write ? 'POST' : 'GET',
            path: write ? '/api/v1/leads' : '/api/v1/leads?limit=20',
            body: write ? JSON.stringify({ name: 'Hooked lead', email: 'hook@example.test' }) : undefined,
            headers: {
              authorization: `Bearer ${tenant.token}`,
              'content-type': 'application/json',
              'x-tenant-id': tenant.slug,
            },
          };
        },
      },
    ],
  });
  const loadEnded = Date.now();
  let events = 0;
  for (const t of tenants) {
    const db = new URL(server);
    db.pathname = `/${RUN}_${t.slug.replace(/-/g, '_')}`;
    events += Number(psql(db.toString(), "select count(*) from outbox where type like 'lead.%'"));
  }
  const deadline = Date.now() + 120_000;
  while (arrivals.length < events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const latencies = arrivals.map((a) => a.latency);
  const duringLoad = arrivals.filter((a) => a.at <= loadEnded).length;
  const summary = {
    seconds,
    tenants: count,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    non2xx: result.non2xx,
    events,
    delivered: arrivals.length,
    deliveriesPerSecond: Math.round(duringLoad / ((loadEnded - started) / 1000)),
    drainedMsAfterLoad: arrivals.length ? Math.max(...arrivals.map((a) => a.at)) - loadEnded : null,
    latencyP50: percentile(latencies, 50),
    latencyP99: percentile(latencies, 99),
    latencyMax: Math.max(...latencies),
  };
  console.log(
    `${summary.events} events over ${count} tenants in ${seconds} s of load (${summary.rps} req/s): ${summary.delivered} delivered, ` +
      `${summary.deliveriesPerSecond} deliveries/s during the load; commit → receiver p50 ${summary.latencyP50} ms, ` +
      `p99 ${summary.latencyP99} ms, max ${summary.latencyMax} ms; last one ${summary.drainedMsAfterLoad} ms after the load`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/webhook-latency.json', JSON.stringify(summary, null, 2));
  if (summary.delivered !== summary.events) process.exitCode = 1;
} finally {
  await app.stop();
  receiver.kill();
}
