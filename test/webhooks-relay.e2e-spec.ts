import { parsePostgresUrl, toPostgresUrl } from '@app/catalog';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { adminSql, dropTestDeployment } from './support/test-databases';
import { PLATFORM_ADMIN } from './support/test-app';
import { freePort, sleep, until } from './support/wait';
import { WebhookReceiver } from './support/webhook-receiver';

const ROOT = resolve(__dirname, '..');
const ADMIN_URL = () => process.env.TESSERA_TEST_PG!;

/**
 * The relay survives its process: the built API (dist/apps/api, jobs in-process) is killed with
 * SIGKILL right after its commits answered, before their events were relayed and delivered; the
 * next API process on the same deployment relays and delivers every one of them at start-up
 * (the full sweep), each exactly once per webhook-id, to the right tenant only. The periodic
 * sweep is set to an hour so that only the start-up sweep can be what recovers them.
 */
describe('a relay killed between commit and delivery (built API, SIGKILL)', () => {
  const id = randomBytes(4).toString('hex');
  const prefix = `t${id}_`;
  const catalogDb = `tessera_test_${id}`;
  const keysDir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
  let child: ChildProcess | undefined;
  let port: number;
  let receivers: WebhookReceiver[] = [];

  const env = (): NodeJS.ProcessEnv => {
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['REDIS_URL', 'DATABASE_URL', 'TENANTS_CONFIG', 'METRICS_TOKEN']) delete base[key];
    return {
      ...base,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      PORT: String(port),
      DATABASE_URL: toPostgresUrl({ ...parsePostgresUrl(ADMIN_URL()), database: catalogDb }),
      TENANT_DB_PREFIX: prefix,
      PLATFORM_ADMIN_EMAIL: PLATFORM_ADMIN.email,
      PLATFORM_ADMIN_PASSWORD: PLATFORM_ADMIN.password,
      KEYS_DIR: keysDir,
      BACKUP_DIR: join(keysDir, 'backups'),
      APP_BASE_DOMAIN: 'tessera.test',
      TENANT_SPARE_DATABASES: '0',
      WEBHOOKS_ALLOW_PRIVATE: 'true',
      WEBHOOKS_ALLOW_HTTP: 'true',
      EVENT_RELAY_SWEEP_MS: '3600000',
    };
  };

  const call = async (path: string, init: { method?: string; token?: string; tenant?: string; body?: object } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.tenant) headers['x-tenant-id'] = init.tenant;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };

  async function startApi(): Promise<void> {
    child = spawn(process.execPath, ['dist/apps/api/src/main.js'], { cwd: ROOT, env: env(), stdio: 'ignore' });
    await until(
      'the API to be ready',
      async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200,
      60_000,
    );
  }

  async function onboard(name: string): Promise<{ slug: string; token: string; dbName: string }> {
    const pt = (await call('/platform/auth/login', { method: 'POST', body: PLATFORM_ADMIN })).body
      .accessToken as string;
    const slug = `${name}-${id}`;
    const admin = { email: `admin@${name}.test`, password: `admin-${name}-passphrase` };
    const body = { slug, name, adminEmail: admin.email, adminName: 'Admin', adminPassword: admin.password };
    expect((await call('/platform/tenants', { method: 'POST', token: pt, body })).status).toBe(202);
    await until(
      'the tenant',
      async () => (await call(`/platform/tenants/${slug}`, { token: pt })).body.status === 'active',
      60_000,
    );
    const token = (await call('/auth/login', { method: 'POST', tenant: slug, body: admin })).body.accessToken as string;
    return { slug, token, dbName: `${prefix}${slug.replace(/-/g, '_')}` };
  }

  beforeAll(async () => {
    port = await freePort();
    await startApi();
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(receivers.map((r) => r.close()));
    await sleep(200);
    await dropTestDeployment(ADMIN_URL(), catalogDb, prefix);
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('delivers after a restart every event committed before the kill, once per webhook-id, to its own tenant', async () => {
    const [acme, globex] = [await onboard('acme'), await onboard('globex')];
    const [ra, rg] = [await WebhookReceiver.start(), await WebhookReceiver.start()];
    receivers = [ra, rg];
    for (const [tenant, r] of [
      [acme, ra],
      [globex, rg],
    ] as const) {
      const created = await call('/webhooks', {
        method: 'POST',
        token: tenant.token,
        tenant: tenant.slug,
        body: { url: r.url, events: ['lead.*'] },
      });
      expect(created.status).toBe(201);
    }
    // 40 commits at once; the process dies as soon as the first of them is answered. Until then the
    // receiver answers nothing, so whatever the killed process relayed or sent, none of it was delivered.
    ra.behave = () => 'hang';
    const killed = new Promise<void>((done) => child!.once('exit', () => done()));
    let answered = 0;
    await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        call('/leads', { method: 'POST', token: acme.token, tenant: acme.slug, body: { name: `Lead ${i}` } }).then(
          (res) => {
            if (res.status === 201 && ++answered === 1) child!.kill('SIGKILL');
          },
        ),
      ),
    );
    await killed;
    const events = await adminSql<{ id: string }>(
      ADMIN_URL(),
      "select id from outbox where type = 'lead.created'",
      [],
      acme.dbName,
    );
    expect(events.length).toBeGreaterThanOrEqual(answered);
    expect(ra.accepted()).toHaveLength(0); // the kill left every event undelivered
    ra.behave = () => 200;
    await startApi();
    await until(
      'every committed event delivered',
      () => Promise.resolve(ra.accepted().length >= events.length),
      45_000,
    );
    await sleep(500);
    const delivered = ra.accepted().map((x) => x.json.id);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(new Set(delivered)).toEqual(new Set(events.map((e) => e.id)));
    expect(ra.received.every((x) => x.json.tenant === acme.slug)).toBe(true);
    expect(rg.received).toHaveLength(0);
  });
});
