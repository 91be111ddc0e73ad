import { SecretBox } from '@app/catalog';
import { WebhookNetwork } from '@app/events';
import { Webhook } from 'standardwebhooks';
import { TestApp, TestTenant } from './support/test-app';
import { sleep, until } from './support/wait';
import { Received, WebhookReceiver } from './support/webhook-receiver';

const SCHEDULE_MS = [200, 400, 800, 1600];

/**
 * Webhooks (issue 16): endpoints per tenant, the relay from the outbox, Standard Webhooks
 * signatures checked with the `standardwebhooks` package, retries, the attempt log, secret
 * rotation, the SSRF guard at save and at connect, and tenant isolation. Two tenants; receivers
 * on 127.0.0.1 (WEBHOOKS_ALLOW_PRIVATE and WEBHOOKS_ALLOW_HTTP on, turned off where a test says).
 */
describe('webhooks (two tenants, receivers on 127.0.0.1)', () => {
  let t: TestApp;
  let pt: string;
  let acme: TestTenant;
  let globex: TestTenant;
  let network: WebhookNetwork;
  const receivers: WebhookReceiver[] = [];
  let resolveBefore: WebhookNetwork['resolve'];

  const as = (tenant: TestTenant) => t.as(tenant.token, tenant.slug);
  const receiver = async () => {
    const r = await WebhookReceiver.start();
    receivers.push(r);
    return r;
  };
  const subscribe = async (tenant: TestTenant, url: string, events: string[] = ['lead.*']) =>
    (await as(tenant).post('/webhooks', { url, events }).expect(201)).body as { id: string; secret: string };
  const newLead = async (tenant: TestTenant, name = 'Lead') =>
    (await as(tenant).post('/leads', { name }).expect(201)).body as { id: string };
  const outbox = (tenant: TestTenant) =>
    t.sql<{ id: string; seq: string; type: string; entity_id: string }>(
      'select id, seq, type, entity_id from outbox order by seq',
      [],
      tenant.dbName,
    );
  const verifies = (secret: string, r: Received) => {
    try {
      new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    t = await TestApp.start({
      WEBHOOKS_ALLOW_PRIVATE: 'true',
      WEBHOOKS_ALLOW_HTTP: 'true',
      WEBHOOK_RETRY_SCHEDULE: SCHEDULE_MS.map((ms) => `${ms}ms`).join(','),
      EVENT_RELAY_SWEEP_MS: '500',
    });
    pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    network = t.app.get(WebhookNetwork);
    resolveBefore = network.resolve;
  }, 60_000);

  /** Back to the suite's network rules, no endpoints, no receivers. */
  async function cleanUp(): Promise<void> {
    network.allowPrivate = true;
    network.allowHttp = true;
    network.resolve = resolveBefore;
    for (const tenant of [acme, globex]) {
      // An attempt still recording may deadlock with the delete: the delete is tried again.
      for (let tries = 0; ; tries++) {
        try {
          await t.sql('delete from webhook_endpoints', [], tenant.dbName);
          break;
        } catch (error) {
          if (tries >= 5 || (error as { code?: string }).code !== '40P01') throw error;
        }
      }
    }
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  }

  afterAll(async () => {
    await t?.stop();
  });

  describe('endpoints', () => {
    afterEach(cleanUp);

    it('creates an endpoint answering its whsec_ secret once, with Location; reads never show a secret', async () => {
      const r = await receiver();
      const created = await as(acme)
        .post('/webhooks', { url: r.url, events: ['lead.created', 'deal.*'] })
        .expect(201);
      expect(created.headers.location).toBe(`/api/v1/webhooks/${created.body.id}`);
      expect(created.body).toMatchObject({ url: r.url, events: ['lead.created', 'deal.*'], active: true });
      expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const got = await as(acme).get(`/webhooks/${created.body.id}`).expect(200);
      expect(got.headers.etag).toBeDefined();
      expect(JSON.stringify(got.body)).not.toMatch(/whsec_|secret"/);
      const list = await as(acme).get('/webhooks').expect(200);
      expect(list.body.meta).toEqual({ page: 1, limit: 20, total: 1 });
      expect(JSON.stringify(list.body)).not.toContain('whsec_');
      const [row] = await t.sql<{ secret: string }>('select secret from webhook_endpoints', [], acme.dbName);
      expect(row.secret).not.toContain('whsec_'); // sealed at rest
      expect(t.app.get(SecretBox).open(row.secret)).toBe(created.body.secret);
    });

    it('refuses hostile bodies with 400 problem+json naming the field', async () => {
      const r = await receiver();
      const cases: [object, string][] = [
        [{ url: null, events: ['lead.*'] }, 'url'],
        [{ url: `${r.url}\u0000`, events: ['lead.*'] }, 'url'],
        [{ url: 'http://user:pw@127.0.0.1/hook', events: ['lead.*'] }, 'url'],
        [{ url: 'ftp://127.0.0.1/hook', events: ['lead.*'] }, 'url'],
        [{ url: `${r.url}?${'a'.repeat(2000)}`, events: ['lead.*'] }, 'url'],
        [{ url: 'not a url', events: ['lead.*'] }, 'url'],
        [{ url: r.url, events: [] }, 'events'],
        [{ url: r.url, events: ['lead.exploded'] }, 'events'],
        [{ url: r.url, events: 'lead.*' }, 'events'],
        [{ url: r.url, events: ['lead.*', 'lead.*'] }, 'events'],
        [{ url: r.url, events: ['lead.*'], active: null }, 'active'],
        [{ url: r.url, events: ['lead.*'], secret: 'whsec_mine' }, 'secret'],
      ];
      for (const [body, field] of cases) {
        const res = await as(acme).post('/webhooks', body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      expect(await t.sql('select 1 from webhook_endpoints', [], acme.dbName)).toHaveLength(0);
    });

    it('answers 412 to a PATCH or DELETE whose If-Match is stale, and applies a current one', async () => {
      const r = await receiver();
      const { id } = await subscribe(acme, r.url);
      const etag = (await as(acme).get(`/webhooks/${id}`).expect(200)).headers.etag;
      await as(acme)
        .patch(`/webhooks/${id}`, { events: ['deal.*'] })
        .set('if-match', etag)
        .expect(200);
      await as(acme)
        .patch(`/webhooks/${id}`, { events: ['user.*'] })
        .set('if-match', etag)
        .expect(412);
      await as(acme).delete(`/webhooks/${id}`).set('if-match', etag).expect(412);
      expect((await as(acme).get(`/webhooks/${id}`).expect(200)).body.events).toEqual(['deal.*']);
    });

    it("hides one tenant's endpoints from the other (404 on every route)", async () => {
      const r = await receiver();
      const { id } = await subscribe(globex, r.url);
      await as(acme).get(`/webhooks/${id}`).expect(404);
      await as(acme).patch(`/webhooks/${id}`, { active: false }).expect(404);
      await as(acme).post(`/webhooks/${id}/rotate-secret`, {}).expect(404);
      await as(acme).get(`/webhooks/${id}/deliveries`).expect(404);
      await as(acme).delete(`/webhooks/${id}`).expect(404);
      expect((await as(acme).get('/webhooks').expect(200)).body.meta.total).toBe(0);
      expect((await as(globex).get(`/webhooks/${id}`).expect(200)).body.active).toBe(true);
    });

    it('lets only company admins manage webhooks (a manager gets 403)', async () => {
      const email = `manager-${Date.now()}@acme.test`;
      const password = 'manager-acme-passphrase';
      await as(acme).post('/users', { email, name: 'M', password, role: 'manager' }).expect(201);
      const login = await t.http().post('/api/v1/auth/login').set('x-tenant-id', acme.slug).send({ email, password });
      await t.as(login.body.accessToken, acme.slug).get('/webhooks').expect(403);
    });
  });

  describe('SSRF guard', () => {
    afterEach(cleanUp);

    it('refuses, at save, URLs of loopback, private, link-local and metadata addresses in every spelling', async () => {
      network.allowPrivate = false;
      network.resolve = (host) =>
        Promise.resolve(
          host === 'evil.test' ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.8', family: 4 }],
        );
      for (const url of [
        'http://127.0.0.1/hook',
        'http://127.1/hook',
        'http://0x7f000001/hook',
        'http://localhost/hook',
        'http://[::1]/hook',
        'http://[::ffff:127.0.0.1]/hook',
        'http://169.254.169.254/latest/meta-data',
        'http://metadata.google.internal/',
        'http://10.1.2.3/',
        'http://192.168.0.1/',
        'http://evil.test/hook',
        'http://intranet.test/hook',
      ]) {
        const res = await as(acme).post('/webhooks', { url, events: ['lead.*'] });
        expect({ url, status: res.status }).toEqual({ url, status: 400 });
        expect(res.body.errors[0].field).toBe('url');
      }
    });

    it('refuses link-local and metadata addresses even when private ones are allowed', async () => {
      for (const url of [
        'http://169.254.169.254/',
        'http://[::ffff:169.254.169.254]/',
        'http://metadata.google.internal/',
      ])
        await as(acme)
          .post('/webhooks', { url, events: ['lead.*'] })
          .expect(400);
    });

    it('refuses http:// unless WEBHOOKS_ALLOW_HTTP is on', async () => {
      network.allowHttp = false;
      const res = await as(acme)
        .post('/webhooks', { url: 'http://hooks.example.com/', events: ['lead.*'] })
        .expect(400);
      expect(res.body.errors).toEqual([{ field: 'url', message: 'url must use https' }]);
    });

    it('refuses at connect a host whose DNS answer turned to loopback after it was saved (rebinding)', async () => {
      const r = await receiver();
      const port = new URL(r.url).port;
      let lookups = 0;
      network.allowPrivate = false;
      network.resolve = () =>
        Promise.resolve([{ address: lookups++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }]);
      const { id } = await subscribe(acme, `http://rebind.test:${port}/hook`);
      await newLead(acme, 'Rebound');
      const attempts = await until('the first attempt', async () => {
        const res = await as(acme).get(`/webhooks/${id}/deliveries`).expect(200);
        return res.body.data.length ? (res.body.data as { status: string; responseCode: number | null }[]) : false;
      });
      expect(attempts[0]).toMatchObject({ status: 'failed', responseCode: null });
      const [logged] = await t.sql<{ error: string }>('select error from webhook_attempts', [], acme.dbName);
      expect(logged.error).toMatch(/refused: host resolves to an address that is a loopback or private address/);
      expect(r.received).toHaveLength(0);
    });
  });

  describe('delivery', () => {
    afterEach(cleanUp);

    it('delivers committed events signed per Standard Webhooks, as the standardwebhooks package verifies', async () => {
      const r = await receiver();
      const { secret } = await subscribe(acme, r.url);
      const lead = await newLead(acme, 'Signed');
      await until('the delivery', () => Promise.resolve(r.accepted().length === 1));
      const [got] = r.received;
      const [event] = (await outbox(acme)).filter((e) => e.entity_id === lead.id);
      expect(got.json).toEqual({
        id: event.id,
        type: 'lead.created',
        occurredAt: expect.any(String),
        tenant: acme.slug,
        data: expect.objectContaining({ id: lead.id, name: 'Signed' }),
      });
      expect(got.headers['webhook-id']).toBe(event.id);
      expect(Number(got.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
      expect(verifies(secret, got)).toBe(true);
    });

    it('sends an endpoint only the events committed after it was created, matching its filter', async () => {
      await newLead(acme, 'Before');
      const r = await receiver();
      await subscribe(acme, r.url, ['lead.updated']);
      const lead = await newLead(acme, 'After');
      await as(acme).patch(`/leads/${lead.id}`, { name: 'After, renamed' }).expect(200);
      await until('the update', () => Promise.resolve(r.accepted().length >= 1));
      await sleep(300);
      expect(r.received.map((x) => [x.json.type, x.json.data.name])).toEqual([['lead.updated', 'After, renamed']]);
    });

    it("keeps tenants apart: each tenant's receiver gets its own events only", async () => {
      const [ra, rg] = [await receiver(), await receiver()];
      await subscribe(acme, ra.url);
      await subscribe(globex, rg.url);
      await Promise.all([newLead(acme, 'Acme only'), newLead(globex, 'Globex only'), newLead(globex, 'Globex two')]);
      await until('both tenants', () => Promise.resolve(ra.accepted().length === 1 && rg.accepted().length === 2));
      await sleep(300);
      expect(ra.received.map((x) => [x.json.tenant, x.json.data.name])).toEqual([[acme.slug, 'Acme only']]);
      expect(rg.received.every((x) => x.json.tenant === globex.slug)).toBe(true);
      const acmeIds = new Set((await outbox(acme)).map((e) => e.id));
      expect(rg.received.some((x) => acmeIds.has(x.json.id))).toBe(false);
    });

    it('gets a receiver that fails for a while every event once per webhook-id, in order per entity', async () => {
      const r = await receiver();
      r.behave = (n) => (n < 8 ? 503 : 200); // the first 8 requests are refused
      await subscribe(acme, r.url);
      const start = (await outbox(acme)).length;
      const leads = await Promise.all([1, 2, 3, 4, 5].map((i) => newLead(acme, `Ordered ${i}`)));
      for (let round = 1; round <= 3; round++)
        await Promise.all(
          leads.map((l) =>
            as(acme)
              .patch(`/leads/${l.id}`, { name: `Round ${round}` })
              .expect(200),
          ),
        );
      const events = (await outbox(acme)).slice(start);
      expect(events).toHaveLength(20);
      await until('every event accepted', () => Promise.resolve(r.accepted().length >= 20), 20_000);
      await sleep(500);
      const accepted = r.accepted().map((x) => x.json.id);
      expect(new Set(accepted).size).toBe(accepted.length); // once per webhook-id
      expect(new Set(accepted)).toEqual(new Set(events.map((e) => e.id)));
      expect(r.received.length).toBe(28); // the 8 refused were retried
      const seq = new Map(events.map((e) => [e.id, Number(e.seq)]));
      for (const lead of leads) {
        const order = r
          .accepted()
          .filter((x) => x.json.data.id === lead.id)
          .map((x) => seq.get(x.json.id)!);
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(order).toHaveLength(4);
      }
    });

    it('retries per WEBHOOK_RETRY_SCHEDULE, then marks the delivery failed; the log lists every attempt', async () => {
      const r = await receiver();
      r.behave = () => 500;
      const { id } = await subscribe(acme, r.url);
      await newLead(acme, 'Refused');
      await until('the last attempt', () => Promise.resolve(r.received.length === SCHEDULE_MS.length + 1), 15_000);
      await until('the failure', async () => {
        const rows = await t.sql<{ status: string }>('select status from webhook_deliveries', [], acme.dbName);
        return rows[0]?.status === 'failed';
      });
      const gaps = r.received.slice(1).map((x, i) => x.at - r.received[i].at);
      gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(SCHEDULE_MS[i] - 50));
      const log = await as(acme).get(`/webhooks/${id}/deliveries`).expect(200);
      expect(log.body.meta.total).toBe(5);
      expect(log.body.data.map((a: { attempt: number }) => a.attempt)).toEqual([5, 4, 3, 2, 1]);
      expect(log.body.data[0]).toMatchObject({ status: 'failed', responseCode: 500, eventId: r.received[0].json.id });
      expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
      await sleep(SCHEDULE_MS[SCHEDULE_MS.length - 1]);
      expect(r.received).toHaveLength(5);
    });

    it('sends a failed delivery again by hand (the attempt id names it) and logs the new attempt', async () => {
      const r = await receiver();
      r.behave = () => 500;
      const { id } = await subscribe(acme, r.url);
      await newLead(acme, 'Again');
      await until(
        'the failure',
        async () => {
          const rows = await t.sql<{ status: string }>('select status from webhook_deliveries', [], acme.dbName);
          return rows[0]?.status === 'failed';
        },
        15_000,
      );
      r.behave = () => 204;
      const [last] = (await as(acme).get(`/webhooks/${id}/deliveries?status=failed&limit=1`).expect(200)).body.data;
      const retried = await as(acme).post(`/webhooks/${id}/deliveries/${last.id}/retry`, {}).expect(202);
      expect(retried.body).toMatchObject({ eventId: last.eventId, status: 'pending' });
      await until('the manual attempt', () => Promise.resolve(r.accepted().length === 1));
      const ok = await as(acme).get(`/webhooks/${id}/deliveries?status=succeeded`).expect(200);
      expect(ok.body.data).toEqual([expect.objectContaining({ attempt: 6, status: 'succeeded', responseCode: 204 })]);
      await as(acme).post(`/webhooks/${id}/deliveries/${last.id}/retry`, {}).expect(202);
      await as(globex).post(`/webhooks/${id}/deliveries/${last.id}/retry`, {}).expect(404);
    });

    it('disables an endpoint failing for 5 days; enabling it again clears the failure', async () => {
      const r = await receiver();
      r.behave = () => 500;
      const { id } = await subscribe(acme, r.url);
      await newLead(acme, 'First failure');
      await until('a failure', async () => (await as(acme).get(`/webhooks/${id}`)).body.failingSince !== null);
      await t.sql("update webhook_endpoints set failing_since = now() - interval '5 days 1 minute'", [], acme.dbName);
      await newLead(acme, 'Five days on');
      const disabled = await until('the endpoint disabled', async () => {
        const res = await as(acme).get(`/webhooks/${id}`).expect(200);
        return res.body.active ? false : res;
      });
      expect(disabled.body).toMatchObject({ active: false, disabledReason: 'failing for 5 days' });
      expect(disabled.body.disabledAt).not.toBeNull();
      const enabled = await as(acme)
        .patch(`/webhooks/${id}`, { active: true })
        .set('if-match', disabled.headers.etag)
        .expect(200);
      expect(enabled.body).toMatchObject({ active: true, failingSince: null, disabledAt: null, disabledReason: null });
    });

    it('signs with the old and the new secret during a rotation overlap', async () => {
      const r = await receiver();
      const { id, secret: old } = await subscribe(acme, r.url);
      const rotated = await as(acme).post(`/webhooks/${id}/rotate-secret`, {}).expect(200);
      expect(rotated.headers['cache-control']).toBe('no-store');
      const fresh = rotated.body.secret as string;
      expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
      await newLead(acme, 'Rotated');
      await until('the delivery', () => Promise.resolve(r.accepted().length === 1));
      const [got] = r.received;
      expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expect(verifies(fresh, got)).toBe(true);
      expect(verifies(old, got)).toBe(true);
      await t.sql(
        "update webhook_endpoints set previous_secret_expires_at = now() - interval '1 second'",
        [],
        acme.dbName,
      );
      await newLead(acme, 'Overlap over');
      await until('the second delivery', () => Promise.resolve(r.accepted().length === 2));
      expect(verifies(fresh, r.received[1])).toBe(true);
      expect(verifies(old, r.received[1])).toBe(false);
    });

    it('leaves one current and one previous secret after 20 concurrent rotations', async () => {
      const r = await receiver();
      const { id, secret: original } = await subscribe(acme, r.url);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => as(acme).post(`/webhooks/${id}/rotate-secret`, {})),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      const secrets = [original, ...answers.map((a) => a.body.secret as string)];
      expect(new Set(secrets).size).toBe(21);
      const box = t.app.get(SecretBox);
      const [row] = await t.sql<{ secret: string; previous_secret: string }>(
        'select secret, previous_secret from webhook_endpoints',
        [],
        acme.dbName,
      );
      const [current, previous] = [box.open(row.secret), box.open(row.previous_secret)];
      expect(secrets).toContain(current);
      expect(secrets).toContain(previous);
      expect(current).not.toBe(original); // the original was replaced, and its successor...
      expect(previous).not.toBe(current);
      await newLead(acme, 'After the storm');
      await until('the delivery', () => Promise.resolve(r.accepted().length === 1));
      expect(secrets.filter((s) => verifies(s, r.received[0])).sort()).toEqual([current, previous].sort());
    });

    it("makes exactly the plan's limit of endpoints out of 30 concurrent creates", async () => {
      const r = await receiver();
      const platform = (method: 'post' | 'put', path: string) =>
        t.http()[method](`/api/v1/platform${path}`).set('authorization', `Bearer ${pt}`);
      const code = `hooks-${t.id}`;
      await platform('post', '/plans')
        .send({ code, name: 'Three hooks', limits: { webhooks: 3 }, features: ['webhooks'] })
        .expect(201);
      await platform('put', `/tenants/${globex.slug}/plan`).send({ plan: code }).expect(200);
      try {
        const answers = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            as(globex).post('/webhooks', { url: `${r.url}?n=${i}`, events: ['lead.*'] }),
          ),
        );
        expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
        const refused = answers.filter((a) => a.status !== 201);
        expect(refused.map((a) => a.status)).toEqual(Array(27).fill(403));
        expect(refused[0].body.type).toMatch(/\/quota-exceeded$/);
        const [{ n }] = await t.sql<{ n: string }>('select count(*) as n from webhook_endpoints', [], globex.dbName);
        expect(Number(n)).toBe(3);
        const [{ used }] = await t.sql<{ used: string }>(
          "select used from usage_counters where resource = 'webhooks'",
          [],
          globex.dbName,
        );
        expect(Number(used)).toBe(3);
      } finally {
        await platform('put', `/tenants/${globex.slug}/plan`).send({ plan: 'standard' }).expect(200);
      }
    });
  });

  describe('a tenant whose endpoints hang', () => {
    let hanging: WebhookReceiver;
    let hangingIds: string[];

    beforeAll(async () => {
      hanging = await WebhookReceiver.start();
      hanging.behave = () => 'hang';
      hangingIds = [];
      for (let i = 0; i < 3; i++) hangingIds.push((await subscribe(acme, `${hanging.url}?e=${i}`)).id);
      await Promise.all(Array.from({ length: 6 }, (_, i) => newLead(acme, `Stuck ${i}`)));
      await until('acme attempts in flight', () => Promise.resolve(hanging.received.length >= 8));
    });

    afterAll(async () => {
      await hanging.close();
      await cleanUp();
    });

    it("never delays another tenant's deliveries: globex's arrive within 2 s", async () => {
      const r = await receiver();
      await subscribe(globex, r.url);
      const sent = Date.now();
      await Promise.all([newLead(globex, 'Quick 1'), newLead(globex, 'Quick 2'), newLead(globex, 'Quick 3')]);
      await until('globex deliveries', () => Promise.resolve(r.accepted().length === 3), 5000);
      expect(Math.max(...r.accepted().map((x) => x.at)) - sent).toBeLessThan(2000);
      expect(hanging.received.every((x) => x.json.tenant === acme.slug)).toBe(true);
    });

    it('counts an endpoint that does not answer within 10 s as failed', async () => {
      const failed = await until(
        'the timeouts',
        async () => {
          const rows = await t.sql<{ ms: number; error: string; response_code: number | null }>(
            "select ms, error, response_code from webhook_attempts where status = 'failed'",
            [],
            acme.dbName,
          );
          return rows.length ? rows : false;
        },
        15_000,
      );
      expect(network.timeoutMs).toBe(10_000);
      for (const row of failed) {
        expect(row).toMatchObject({ error: 'no answer within 10000 ms', response_code: null });
        expect(row.ms).toBeGreaterThanOrEqual(9_900);
        expect(row.ms).toBeLessThan(12_000);
      }
    });
  });
});
