#!/usr/bin/env node
// npm run test:docker: builds the image, starts docker/compose.yml (postgres, pgbouncer, redis,
// two API replicas behind nginx, a worker) and tests it from outside, through the load balancer:
//
//  1. the README journey: platform sign-in, onboard tenants, tenant sign-in, create and list leads;
//  2. fail-over: one API replica killed (SIGKILL) under steady load: no failed read, and every
//     write the client saw succeed (201, retried with its Idempotency-Key on 502/503/network
//     errors as a real client does) is in the tenant's database;
//  3. rolling restart: each replica restarted in turn (SIGTERM: drain, close) under load: no
//     failed read, every write succeeded (first attempts that needed a retry are counted) and
//     is in the database once;
//  4. the worker killed mid-onboarding (its provisioning job blocked on purpose): Docker restarts
//     it, Bull hands the stalled job over, the tenant goes active.
//
// Everything stays on this machine: containers on Compose's own network, the load balancer
// published on 127.0.0.1 only. Secrets are generated for the run and live only in the
// environment of the compose commands. The stack is removed (`down -v`) at the end, on failure
// too. Where no image registry is reachable, missing base images are built by base-images.sh.
//
// Environment: DOCKER (docker binary), COMPOSE ("docker compose" or "docker-compose"),
// TESSERA_HTTP_PORT (18080), TEST_DOCKER_KEEP=1 (leave the stack running for a look).
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROJECT = 'tessera-test';
const PORT = Number(process.env.TESSERA_HTTP_PORT ?? 18080);
const BASE = `http://127.0.0.1:${PORT}`;
const API = `${BASE}/api/v1`;
const OVERALL_LIMIT_MS = 25 * 60_000;
const READERS = 6;
const WRITERS = 2;

const DOCKER = process.env.DOCKER ?? (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker');
const started = Date.now();
const figures = [];
const failures = [];

const log = (line) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
const figure = (name, value) => {
  figures.push([name, value]);
  log(`${name}: ${value}`);
};
const check = (ok, what) => {
  if (!ok) failures.push(what);
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};

// --- commands -----------------------------------------------------------------------------------

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...options.env },
    input: options.input,
    timeout: options.timeoutMs ?? 15 * 60_000,
  });
  if (result.status !== 0 && !options.allowFailure) {
    const out = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${out}`);
  }
  return result;
}
const docker = (args, options) => run(DOCKER, args, options);

/** A docker command that leaves the event loop running: the load goes on while it runs. */
function dockerAsync(args, env = {}) {
  return new Promise((done, fail) => {
    const child = spawn(DOCKER, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? done(out.trim()) : fail(new Error(`docker ${args.join(' ')} failed (${code}): ${out.trim()}`)),
    );
  });
}

function composeCommand() {
  if (process.env.COMPOSE) {
    const [cmd, ...pre] = process.env.COMPOSE.split(' ');
    return { cmd, pre };
  }
  if (run(DOCKER, ['compose', 'version'], { allowFailure: true }).status === 0)
    return { cmd: DOCKER, pre: ['compose'] };
  return { cmd: 'docker-compose', pre: [] };
}

// The stack's secrets: made now, passed in the environment of every compose command, never written.
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const secrets = {
  POSTGRES_PASSWORD: randomBytes(24).toString('hex'),
  TENANT_SECRETS_KEY: randomBytes(32).toString('base64'),
  JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  METRICS_TOKEN: randomBytes(24).toString('hex'),
  PLATFORM_ADMIN_EMAIL: 'ops@tessera.test',
  PLATFORM_ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
  TESSERA_HTTP_PORT: String(PORT),
  // The test measures fail-over, not the per-tenant rate limit: its load would trip it.
  TENANT_RATE_LIMIT_RPS: '0',
  // A killed worker's job is handed over once its lock runs out: 10 s keeps the test short.
  JOBS_LOCK_MS: '10000',
};
const COMPOSE = composeCommand();
const compose = (args, options = {}) =>
  run(COMPOSE.cmd, [...COMPOSE.pre, '-p', PROJECT, '-f', 'docker/compose.yml', ...args], {
    ...options,
    env: { ...secrets, COMPOSE_DOCKER_CLI_BUILD: '1', DOCKER_BUILDKIT: '1', ...options.env },
  });
const containerOf = (service) => compose(['ps', '-q', service]).stdout.trim();
const inspect = (id, format) => docker(['inspect', '-f', format, id]).stdout.trim();
const addressOf = (id) => inspect(id, '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}');
const psql = (database, sql) =>
  docker(['exec', containerOf('postgres'), 'psql', '-U', 'postgres', '-d', database, '-tAc', sql]).stdout.trim();

async function until(what, test, timeoutMs, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await test().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
const healthy = (id) =>
  until(
    `${id.slice(0, 12)} to be healthy`,
    async () => (await dockerAsync(['inspect', '-f', '{{.State.Health.Status}}', id])) === 'healthy',
    120_000,
    1000,
  );

// --- HTTP ---------------------------------------------------------------------------------------

/** A problem's code: the last segment of its `type` (https://tessera.dev/problems/<code>). */
const codeOf = (json) => (typeof json?.type === 'string' ? json.type.split('/').pop() : '');

async function call(method, path, { token, tenant, body, key } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (tenant) headers['x-tenant-id'] = tenant;
  if (key) headers['idempotency-key'] = key;
  const response = await fetch(path.startsWith('http') ? path : `${API}${path}`, {
    method,
    headers,
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, headers: response.headers };
}

async function onboard(platformToken, slug) {
  const admin = { email: `admin@${slug}.test`, password: `${slug}-admin-passphrase` };
  const created = await call('POST', '/platform/tenants', {
    token: platformToken,
    body: { slug, name: slug, adminEmail: admin.email, adminName: 'Ada Admin', adminPassword: admin.password },
  });
  if (created.status !== 202) throw new Error(`onboarding ${slug}: ${created.status} ${JSON.stringify(created.json)}`);
  return admin;
}
const tenantStatus = async (platformToken, slug) =>
  (await call('GET', `/platform/tenants/${slug}`, { token: platformToken })).json?.status;
async function signIn(slug, admin) {
  const answer = await call('POST', '/auth/login', { tenant: slug, body: admin });
  if (answer.status !== 200) throw new Error(`tenant sign-in ${slug}: ${answer.status}`);
  return answer.json.accessToken;
}

/**
 * Steady load until stop(): READERS loops of GET /leads, WRITERS loops of POST /leads, each
 * write with its own Idempotency-Key and retried (same key) on a network error, 502, 503 or
 * 409 idempotency-key-in-use (a claim held by a request that died with its replica), as a real
 * client would; a 409 idempotency-key-committed says the first attempt's write is in (its replica
 * died before answering), so the write counts as done. Returns the counts and the names of the writes the client saw succeed.
 */
function load(tenant, label) {
  const stats = {
    reads: 0,
    readFailures: [],
    writes: 0,
    writeRetries: 0,
    /** Retries answered 409 idempotency-key-committed: the first attempt's write is in the database. */
    committedRetries: 0,
    writeFailures: [],
    written: [],
    firstTryFailures: [],
    retriedNames: [],
    /** The longest a write took from its first try to its 201 (a retry waits out a dead replica's key lease). */
    slowestWriteMs: 0,
  };
  let stopped = false;
  const readLoop = async () => {
    while (!stopped) {
      stats.reads++;
      try {
        const answer = await call('GET', '/leads?limit=20', { token: tenant.token, tenant: tenant.slug });
        if (answer.status !== 200) stats.readFailures.push(`${answer.status} ${codeOf(answer.json)}`);
      } catch (error) {
        stats.readFailures.push(`network: ${error.cause?.code ?? error.message}`);
      }
    }
  };
  let n = 0;
  const writeLoop = async (w) => {
    while (!stopped) {
      const name = `${label}-${w}-${n++}`;
      const key = randomUUID();
      stats.writes++;
      const started = Date.now();
      const giveUpAt = started + 90_000;
      for (let attempt = 1; ; attempt++) {
        let outcome;
        try {
          const answer = await call('POST', '/leads', {
            token: tenant.token,
            tenant: tenant.slug,
            key,
            body: { name },
          });
          outcome = answer.status === 201 ? 'ok' : `${answer.status} ${codeOf(answer.json)}`;
          // The first attempt committed on a replica that died before answering: the write is in, once.
          if (answer.status === 409 && codeOf(answer.json) === 'idempotency-key-committed') {
            outcome = 'ok';
            stats.committedRetries++;
          } else if (answer.status === 409 && codeOf(answer.json) !== 'idempotency-key-in-use')
            outcome = `final ${outcome}`;
          if (answer.status !== 201 && ![409, 502, 503, 504].includes(answer.status)) outcome = `final ${outcome}`;
        } catch (error) {
          outcome = `network: ${error.cause?.code ?? error.message}`;
        }
        if (outcome === 'ok') {
          stats.written.push(name);
          stats.slowestWriteMs = Math.max(stats.slowestWriteMs, Date.now() - started);
          break;
        }
        if (attempt === 1) {
          stats.firstTryFailures.push(outcome);
          stats.retriedNames.push(name);
        }
        if (outcome.startsWith('final') || Date.now() > giveUpAt) {
          stats.writeFailures.push(`${name}: ${outcome}`);
          break;
        }
        stats.writeRetries++;
        await sleep(outcome.includes('in-use') ? 2000 : 200);
      }
    }
  };
  const loops = [
    ...Array.from({ length: READERS }, () => readLoop()),
    ...Array.from({ length: WRITERS }, (_, w) => writeLoop(w)),
  ];
  const t0 = Date.now();
  return {
    stats,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      stats.ms = Date.now() - t0;
      return stats;
    },
  };
}

function writesInDatabase(tenant, label, written) {
  const rows = psql(
    tenant.database,
    `select name || ' ' || count(*) from leads where name like '${label}-%' group by name`,
  );
  const counts = new Map(
    rows
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, count] = line.split(' ');
        return [name, Number(count)];
      }),
  );
  const missing = written.filter((name) => !counts.has(name));
  const duplicated = [...counts].filter(([, count]) => count > 1).map(([name]) => name);
  return { rows: counts.size, missing, duplicated, countOf: (name) => counts.get(name) ?? 0 };
}

function report(phase, stats) {
  const rps = ((stats.reads + stats.writes) / (stats.ms / 1000)).toFixed(0);
  figure(
    `${phase}: requests`,
    `${stats.reads} reads + ${stats.writes} writes in ${(stats.ms / 1000).toFixed(1)} s (${rps} req/s); ` +
      `failed reads ${stats.readFailures.length}, writes retried ${stats.writeRetries} (${stats.committedRetries} found committed), failed writes ${stats.writeFailures.length}, ` +
      `slowest write ${(stats.slowestWriteMs / 1000).toFixed(1)} s`,
  );
  if (stats.readFailures.length) log(`  read failures: ${summary(stats.readFailures)}`);
  if (stats.firstTryFailures.length) log(`  writes' first attempts answered: ${summary(stats.firstTryFailures)}`);
  if (stats.writeFailures.length) log(`  failed writes: ${stats.writeFailures.slice(0, 5).join('; ')}`);
}
function summary(list) {
  const counts = new Map();
  for (const item of list) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${v} × ${k}`).join(', ');
}

/**
 * Under load: where the tenant role's PostgreSQL connections come from (PgBouncer's address when
 * docker/tenants.config.json names it as the server's pooler, the API replicas' otherwise), and
 * PgBouncer's own view (SHOW POOLS).
 */
async function whoServesTenants(tenant) {
  const names = new Map();
  for (const service of ['api-1', 'api-2', 'worker', 'pgbouncer']) names.set(addressOf(containerOf(service)), service);
  const rows = await dockerAsync([
    'exec',
    containerOf('postgres'),
    'psql',
    '-U',
    'postgres',
    '-d',
    'postgres',
    '-tAc',
    `select coalesce(host(client_addr), 'local') || ' ' || count(*) from pg_stat_activity where usename = '${tenant.database}' group by client_addr`,
  ]);
  const bySource = rows
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [address, count] = line.split(' ');
      return `${names.get(address) ?? address}: ${count}`;
    });
  figure(`PostgreSQL connections of role ${tenant.database}, by client, under load`, bySource.join(', ') || 'none');
  const pooler = JSON.parse(readFileSync(join(ROOT, 'docker/tenants.config.json'), 'utf8')).servers[0].pooler;
  if (pooler) {
    check(
      bySource.length > 0 && bySource.every((entry) => entry.startsWith('pgbouncer:')),
      'pooler: every tenant connection comes from PgBouncer',
    );
    const pools = await dockerAsync([
      'exec',
      '-e',
      `PGPASSWORD=${secrets.POSTGRES_PASSWORD}`,
      containerOf('pgbouncer'),
      'psql',
      '-h',
      '127.0.0.1',
      '-p',
      '6432',
      '-U',
      'postgres',
      '-d',
      'pgbouncer',
      '-tAc',
      'show pools',
    ]);
    // The tenant role's pool (PgBouncer also has one of auth_user per database, for auth_query).
    const line = pools.split('\n').find((l) => l.startsWith(`${tenant.database}|${tenant.database}|`));
    // database|user|cl_active|cl_waiting|...|sv_active|sv_idle|sv_used|...
    figure(`PgBouncer SHOW POOLS, ${tenant.database}`, line ?? 'no pool');
    check(Boolean(line), `pooler: PgBouncer pools ${tenant.database}'s connections`);
  }
}

// --- the run ------------------------------------------------------------------------------------

async function main() {
  log(`docker: ${DOCKER}; compose: ${[COMPOSE.cmd, ...COMPOSE.pre].join(' ')}; project ${PROJECT}; port ${PORT}`);
  if (docker(['info'], { allowFailure: true }).status !== 0) {
    throw new Error(
      'no Docker daemon answers: apt-get install -y docker.io docker-compose debootstrap, then start dockerd as root (docker/README.md)',
    );
  }
  compose(['down', '-v', '--remove-orphans'], { allowFailure: true }); // a previous run's leftovers

  const bases = ['debian:bookworm-slim', 'node:20.20-bookworm-slim', 'postgres:15', 'redis:7', 'nginx:1.28'];
  const missing = bases.filter((image) => docker(['image', 'inspect', image], { allowFailure: true }).status !== 0);
  if (missing.length) {
    log(`base images missing (${missing.join(', ')}): docker/base-images.sh`);
    const t = Date.now();
    run('bash', ['docker/base-images.sh'], { env: { DOCKER } });
    figure('base images built', `${((Date.now() - t) / 1000).toFixed(0)} s`);
  }

  let t = Date.now();
  docker(['build', '-f', 'docker/Dockerfile', '-t', 'tessera:local', '.'], { env: { DOCKER_BUILDKIT: '1' } });
  docker(['build', '-t', 'tessera-pgbouncer:local', 'docker/pgbouncer'], { env: { DOCKER_BUILDKIT: '1' } });
  figure('image build (cached layers reused)', `${((Date.now() - t) / 1000).toFixed(0)} s`);
  const size = Number(docker(['image', 'inspect', '-f', '{{.Size}}', 'tessera:local']).stdout.trim());
  figure('image size (tessera:local)', `${(size / 1e6).toFixed(0)} MB`);

  t = Date.now();
  compose(['up', '-d', '--no-build'], { timeoutMs: 5 * 60_000 });
  await until(
    'the load balancer to answer ready',
    async () => (await call('GET', `${BASE}/health/ready`)).status === 200,
    120_000,
  );
  figure('stack up (compose up -d to ready through nginx)', `${((Date.now() - t) / 1000).toFixed(0)} s`);

  // 1. The README journey, through the load balancer.
  t = Date.now();
  const login = await call('POST', '/platform/auth/login', {
    body: { email: secrets.PLATFORM_ADMIN_EMAIL, password: secrets.PLATFORM_ADMIN_PASSWORD },
  });
  check(login.status === 200, 'journey: platform sign-in 200');
  const pt = login.json.accessToken;
  const tenants = [];
  for (const slug of ['acme', 'globex']) {
    const admin = await onboard(pt, slug);
    await until(`${slug} to be active`, async () => (await tenantStatus(pt, slug)) === 'active', 60_000, 200);
    tenants.push({ slug, token: await signIn(slug, admin), database: `tenant_${slug}` });
  }
  for (const tenant of tenants) {
    const created = await call('POST', '/leads', {
      token: tenant.token,
      body: { name: `Wile E. Coyote of ${tenant.slug}`, email: `wile@${tenant.slug}.test`, company: tenant.slug },
    });
    check(created.status === 201, `journey: ${tenant.slug} creates a lead (201)`);
  }
  for (const tenant of tenants) {
    const list = await call('GET', '/leads?limit=20&sort=-createdAt', { token: tenant.token });
    const names = (list.json?.data ?? []).map((lead) => lead.name);
    check(
      list.status === 200 && names.length === 1 && names[0] === `Wile E. Coyote of ${tenant.slug}`,
      `journey: ${tenant.slug} lists its own lead only`,
    );
  }
  figure(
    'journey (sign-in, 2 tenants onboarded and active, leads created and listed)',
    `${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
  const [acme] = tenants;

  // 2. Fail-over: SIGKILL one replica under load, then start it again.
  const api1 = containerOf('api-1');
  const api2 = containerOf('api-2');
  const before = { api1: addressOf(api1), api2: addressOf(api2) };
  const failover = load(acme, 'failover');
  await sleep(3000);
  await whoServesTenants(acme);
  log('docker kill api-1 (SIGKILL) under load');
  await dockerAsync(['kill', api1]);
  await sleep(8000);
  log('docker start api-1');
  await dockerAsync(['start', api1]);
  await healthy(api1);
  await sleep(3000); // nginx sends to it again (fail_timeout 5 s)
  const failed = await failover.stop();
  report('fail-over (api-1 killed)', failed);
  check(failed.readFailures.length === 0, 'fail-over: no failed read');
  check(failed.writeFailures.length === 0, 'fail-over: every write succeeded in the end (client retries)');
  const failoverDb = writesInDatabase(acme, 'failover', failed.written);
  figure(
    'fail-over: writes in the database',
    `${failed.written.length} acknowledged, ${failoverDb.missing.length} missing, ${failoverDb.duplicated.length} duplicated`,
  );
  check(failoverDb.missing.length === 0, 'fail-over: every acknowledged write is in the database');
  // A write committed on the killed replica and retried on the other is refused there (idempotency_commits).
  check(failoverDb.duplicated.length === 0, 'fail-over: no write is in the database twice');
  // Writes whose first attempt died with the replica: the client could not know whether they ran.
  figure(
    'fail-over: writes retried by the client',
    failed.retriedNames.map((name) => `${name} → ${failoverDb.countOf(name)} row(s)`).join(', ') || 'none',
  );

  // 3. Rolling restart: each replica in turn (SIGTERM, drain, close, start), under load.
  const rolling = load(acme, 'rolling');
  await sleep(2000);
  for (const [name, id] of [
    ['api-1', api1],
    ['api-2', api2],
  ]) {
    const t1 = Date.now();
    log(`docker restart ${name} (SIGTERM: drain ${'5 s'}, close)`);
    await dockerAsync(['restart', '-t', '30', id]);
    await healthy(id);
    log(`${name} back and healthy after ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    await sleep(3000);
  }
  const rolled = await rolling.stop();
  report('rolling restart', rolled);
  check(rolled.readFailures.length === 0, 'rolling restart: no failed read');
  check(rolled.writeFailures.length === 0, 'rolling restart: every write succeeded');
  // A POST on a connection nginx opened in the instant a listener closed is reset (502) and retried.
  figure(
    'rolling restart: writes whose first attempt failed (retried by the client)',
    rolled.firstTryFailures.length ? summary(rolled.firstTryFailures) : 'none',
  );
  if (rolled.firstTryFailures.length) {
    const lines = compose(['logs', '--no-color', 'lb'])
      .stdout.split('\n')
      .filter((l) => l.includes('[error]'));
    log(`  nginx's errors:\n${lines.slice(-6).join('\n')}`);
  }
  const rollingDb = writesInDatabase(acme, 'rolling', rolled.written);
  check(
    rollingDb.missing.length === 0 && rollingDb.duplicated.length === 0,
    `rolling restart: all ${rolled.written.length} writes in the database once`,
  );
  const after = { api1: addressOf(api1), api2: addressOf(api2) };
  check(
    before.api1 === after.api1 && before.api2 === after.api2,
    `restarted replicas kept their addresses (${after.api1}, ${after.api2}): nginx's upstream still points at them`,
  );

  // 4. The worker killed mid-onboarding. An exclusive hold on the template lock (what template
  // maintenance takes) blocks the provisioning job inside its clone step, provably mid-job. The
  // spare databases are held too (row locks: the claim skips locked spares), so the job clones.
  const worker = containerOf('worker');
  const restartsBefore = Number(inspect(worker, '{{.RestartCount}}'));
  const spares = spawn(
    DOCKER,
    ['exec', '-i', containerOf('postgres'), 'psql', '-U', 'postgres', '-d', 'tessera', '-q'],
    { stdio: ['pipe', 'ignore', 'inherit'] },
  );
  spares.stdin.write('begin;\nselect id from spare_databases for update;\n');
  await until(
    'the spare databases to be held',
    async () =>
      psql(
        'tessera',
        "select count(*) from pg_stat_activity where datname = 'tessera' and state = 'idle in transaction'",
      ) !== '0',
    20_000,
  );
  const holder = spawn(
    DOCKER,
    ['exec', '-i', containerOf('postgres'), 'psql', '-U', 'postgres', '-d', 'postgres', '-q'],
    {
      stdio: ['pipe', 'ignore', 'inherit'],
    },
  );
  holder.stdin.write('select pg_advisory_lock(7312002);\n');
  await until(
    'the template lock to be held',
    async () =>
      psql('postgres', "select count(*) from pg_locks where locktype = 'advisory' and objid = 7312002 and granted") ===
      '1',
    20_000,
  );
  t = Date.now();
  const initech = await onboard(pt, 'initech');
  await until(
    'the provisioning job to wait on the template lock',
    async () =>
      psql(
        'postgres',
        "select count(*) from pg_locks where locktype = 'advisory' and objid = 7312002 and not granted",
      ) !== '0',
    30_000,
  );
  check(
    (await tenantStatus(pt, 'initech')) === 'provisioning',
    'worker kill: initech is provisioning, its job running',
  );
  log('killing the worker process (kill -9 inside the container: a crash, the restart policy applies)');
  docker(['exec', worker, 'sh', '-c', 'kill -9 -1'], { allowFailure: true });
  await until(
    'Docker to restart the worker',
    async () =>
      Number(inspect(worker, '{{.RestartCount}}')) > restartsBefore && inspect(worker, '{{.State.Running}}') === 'true',
    60_000,
  );
  holder.stdin.end('select pg_advisory_unlock(7312002);\n\\q\n');
  await new Promise((done) => holder.on('close', done));
  spares.stdin.end('rollback;\n\\q\n');
  await new Promise((done) => spares.on('close', done));
  await until('initech to be active', async () => (await tenantStatus(pt, 'initech')) === 'active', 120_000, 500);
  const initechToken = await signIn('initech', initech);
  const list = await call('GET', '/leads', { token: initechToken });
  check(
    list.status === 200 && list.json.data.length === 0,
    'worker kill: initech active, signs in, lists its (empty) leads',
  );
  figure(
    'worker kill: onboarding finished after the crash',
    `${((Date.now() - t) / 1000).toFixed(1)} s after the 202 (JOBS_LOCK_MS 10 s)`,
  );
}

let tornDown = false;
function teardown() {
  if (tornDown) return;
  tornDown = true;
  if (process.env.TEST_DOCKER_KEEP === '1') {
    log(`TEST_DOCKER_KEEP=1: the stack is left running (compose -p ${PROJECT} -f docker/compose.yml down -v)`);
    return;
  }
  log('compose down -v');
  const down = compose(['down', '-v', '--remove-orphans', '-t', '5'], { allowFailure: true, timeoutMs: 120_000 });
  if (down.status !== 0) log(`compose down failed: ${down.stderr}`);
}

const limit = setTimeout(() => {
  log(`giving up: the run took longer than ${OVERALL_LIMIT_MS / 60_000} min`);
  teardown();
  process.exit(1);
}, OVERALL_LIMIT_MS);
// A bug in this script must not leave the stack running either.
for (const event of ['uncaughtException', 'unhandledRejection'])
  process.on(event, (error) => {
    log(`${event}: ${error?.stack ?? error}`);
    teardown();
    process.exit(1);
  });
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    log(`${signal}: tearing down`);
    teardown();
    process.exit(130);
  });

main()
  .catch((error) => {
    failures.push(error.message);
    log(`error: ${error.message}`);
    for (const service of ['api-1', 'api-2', 'worker', 'lb', 'pgbouncer']) {
      const logs = compose(['logs', '--no-color', '--tail', '15', service], { allowFailure: true });
      process.stdout.write(`--- ${service} (last lines)\n${logs.stdout}`);
    }
  })
  .finally(() => {
    teardown();
    clearTimeout(limit);
    figure('total', `${((Date.now() - started) / 1000).toFixed(0)} s`);
    process.stdout.write(`\n${'figure'.padEnd(60)} value\n`);
    for (const [name, value] of figures) process.stdout.write(`${name.padEnd(60)} ${value}\n`);
    if (failures.length) {
      process.stdout.write(`\nFAILED (${failures.length}):\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
      process.exit(1);
    }
    process.stdout.write('\nall checks passed\n');
  });
