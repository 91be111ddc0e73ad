#!/usr/bin/env node
// The read path against its floor, side by side in one run: GET /leads?limit=20 on one tenant with
// 1,000 leads (pool of 4, 32 connections), and a bare node:http + pg server (its own process, a
// pool of 4) running the very SQL Tessera sent for that request, read back from pg_stat_activity
// (the statements the tenant's own connections ran last). Warmed up; rounds alternate between the
// two so the machine's noise falls on both. Besides req/s and latency it reports each server
// process's CPU time per request (/proc), which a busy machine disturbs far less than req/s.
// usage: node bench/reads.mjs [seconds per round=4] [rounds=3]
//   BENCH_PG: a PostgreSQL admin URL (else an embedded server); BENCH_NODE_ARGS e.g. --cpu-prof
//   (the API process only).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { companyAdminToken, onboard, platformToken, psql, RUN, startApi } from './lib.mjs';
import { benchServer } from './pg-server.mjs';

const POOL_SIZE = 4;
const CONNECTIONS = 32;
const LEADS = 1000;
const PATH = '/api/v1/leads?limit=20';
/** Requests each server answers before the rounds: the JIT and the heap settle. */
const WARM_UP = 4000;

if (process.env.READS_FLOOR) await serveFloor(JSON.parse(process.env.READS_FLOOR));
else await main(Number(process.argv[2] ?? 4), Number(process.argv[3] ?? 3));

/** The floor: node:http + pg, the given statements side by side on each request, the answer as JSON. */
async function serveFloor({ url, statements }) {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  const server = http.createServer((_req, res) => {
    Promise.all(statements.map((s) => pool.query(s.text, s.values))).then(
      ([page, count]) => {
        const total = Number(count ? count.rows[0].count : page.rows[0].total);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: page.rows, meta: { page: 1, limit: 20, total } }));
      },
      (error) => {
        res.statusCode = 500;
        res.end(String(error));
      },
    );
  });
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('disconnect', () => {
    server.close();
    void pool.end().then(() => process.exit(0));
  });
}

async function startFloor(url, statements) {
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname], {
    env: { ...process.env, READS_FLOOR: JSON.stringify({ url, statements }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the floor exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    child,
    stop: () =>
      new Promise((resolve) =>
        child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.disconnect()),
      ),
  };
}

/** User and system CPU time of a process so far, in milliseconds (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

async function main(seconds, rounds) {
  const pgServer = await benchServer();
  const server = pgServer.url;
  const app = await startApi(server, { TENANT_RATE_LIMIT_RPS: '0', TENANT_POOL_SIZE: String(POOL_SIZE) });
  let floor;
  try {
    const pt = await platformToken(app.base);
    const slug = `reads-${RUN}`;
    await onboard(app.base, pt, slug);
    const token = await companyAdminToken(app.base, slug);
    const tenantDb = new URL(server);
    tenantDb.pathname = `/${RUN}_${slug.replace(/-/g, '_')}`;
    // 1,000 leads over 10 owners, spread over a few weeks, most optional fields set.
    psql(
      tenantDb.toString(),
      `insert into leads (id, name, email, phone, company, source, status, owner_id, created_at, updated_at)
       select gen_random_uuid(), 'Lead ' || i, case when i % 3 > 0 then 'lead' || i || '@example.test' end,
              case when i % 4 > 0 then '+1 555 ' || lpad(i::text, 4, '0') end, 'Company ' || (i % 97),
              (array['website', 'referral', 'event', null])[1 + i % 4],
              (array['new', 'contacted', 'qualified', 'lost'])[1 + i % 4],
              ('00000000-0000-4000-8000-' || lpad((i % 10)::text, 12, '0'))::uuid,
              now() - (i || ' hours')::interval, now() - (i || ' minutes')::interval
       from generate_series(1, ${LEADS}) i`,
    );
    const headers = { authorization: `Bearer ${token}` };
    const check = await fetch(`${app.base}${PATH}`, { headers });
    const body = await check.json();
    if (check.status !== 200 || body.data.length !== 20 || body.meta.total !== LEADS)
      throw new Error(`GET ${PATH}: ${check.status} ${JSON.stringify(body).slice(0, 300)}`);

    // Warm the API up, then read the statements its tenant connections ran.
    await autocannon({ url: `${app.base}${PATH}`, headers, connections: CONNECTIONS, amount: WARM_UP });
    await fetch(`${app.base}${PATH}`, { headers });
    const statements = tesseraStatements(tenantDb.toString(), tenantDb.pathname.slice(1));
    console.log(`Tessera's SQL for GET ${PATH} (the floor runs the same):`);
    for (const s of statements) console.log(`  ${s.text}${s.values.length ? `  [${s.values}]` : ''}`);

    floor = await startFloor(tenantDb.toString(), statements);
    await autocannon({ url: floor.url, connections: CONNECTIONS, amount: WARM_UP });

    const targets = {
      floor: { options: { url: floor.url }, pid: floor.child.pid },
      tessera: { options: { url: `${app.base}${PATH}`, headers }, pid: app.child.pid },
    };
    const runs = { floor: [], tessera: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['floor', 'tessera'] : ['tessera', 'floor'];
      for (const name of order) {
        const { options, pid } = targets[name];
        const cpu0 = cpuMs(pid);
        const r = await autocannon({ ...options, connections: CONNECTIONS, duration: seconds });
        const cpu1 = cpuMs(pid);
        const requests = Math.max(1, r.requests.total);
        const systemPerRequest = (cpu1.system - cpu0.system) / requests;
        const cpuPerRequest = (cpu1.user - cpu0.user) / requests + systemPerRequest;
        runs[name].push({ r, cpuPerRequest, systemPerRequest });
        console.log(
          `round ${round + 1} ${name.padEnd(8)} ${String(Math.round(r.requests.average)).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  CPU ${cpuPerRequest.toFixed(3)} ms/request (kernel ${systemPerRequest.toFixed(3)})  errors ${r.errors + r.non2xx}`,
        );
      }
    }
    const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
    const sum = (name) => {
      const rs = runs[name];
      return {
        rps: Math.round(rs.reduce((a, { r }) => a + r.requests.average, 0) / rs.length),
        p50: median(rs.map(({ r }) => r.latency.p50)),
        p99: median(rs.map(({ r }) => r.latency.p99)),
        cpuMsPerRequest: Number(median(rs.map((x) => x.cpuPerRequest)).toFixed(3)),
        kernelCpuMsPerRequest: Number(median(rs.map((x) => x.systemPerRequest)).toFixed(3)),
        errors: rs.reduce((a, { r }) => a + r.errors + r.non2xx, 0),
      };
    };
    const results = {
      path: PATH,
      leads: LEADS,
      poolSize: POOL_SIZE,
      connections: CONNECTIONS,
      secondsPerRound: seconds,
      rounds,
      sql: statements,
      floor: sum('floor'),
      tessera: sum('tessera'),
    };
    results.ratio = Number((results.tessera.rps / results.floor.rps).toFixed(2));
    results.cpuRatio = Number((results.floor.cpuMsPerRequest / results.tessera.cpuMsPerRequest).toFixed(2));
    console.log(
      `floor ${results.floor.rps} req/s (p50 ${results.floor.p50} ms, p99 ${results.floor.p99} ms, ${results.floor.cpuMsPerRequest} CPU ms/request); ` +
        `Tessera ${results.tessera.rps} req/s (p50 ${results.tessera.p50} ms, p99 ${results.tessera.p99} ms, ${results.tessera.cpuMsPerRequest} CPU ms/request); ` +
        `ratio ${results.ratio} (target ≥ 0.6), CPU per request floor / Tessera ${results.cpuRatio}`,
    );
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/reads.json', JSON.stringify(results, null, 2));
  } finally {
    await floor?.stop();
    await app.stop();
    await pgServer.stop();
  }
}

/**
 * The statements the tenant's pool ran last, from pg_stat_activity: after a burst of GET /leads
 * every idle connection's last query is one of the list's — one statement (page and total) or
 * two (page, then count). Parameters can only be the page window: `limit $1 offset $2`.
 */
function tesseraStatements(serverUrl, database) {
  const rows = psql(
    serverUrl,
    `select distinct query from pg_stat_activity where datname = '${database}' and application_name = 'tessera-tenant' and state = 'idle'`,
  )
    .split('\n')
    .filter(Boolean);
  const page = rows.filter((q) => /\blimit\b/i.test(q) && /\bleads\b/.test(q));
  const count = rows.filter((q) => !/\blimit\b/i.test(q) && /count\(/i.test(q) && /\bleads\b/.test(q));
  if (page.length !== 1 || count.length > 1)
    throw new Error(`expected a page statement and at most one count statement, found:\n${rows.join('\n')}`);
  return [...page, ...count].map((text) => {
    const params = text.match(/\$\d+/g) ?? [];
    if (params.length === 0) return { text, values: [] };
    if (params.length === 2 && /limit \$1 offset \$2$/.test(text)) return { text, values: [20, 0] };
    throw new Error(`the floor knows the values of a page window only:\n${text}`);
  });
}
