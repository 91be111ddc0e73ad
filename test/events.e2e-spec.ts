import { SseClient } from './support/sse-client';
import { TestApp, TestTenant } from './support/test-app';

interface Listed {
  seq: number;
  id: string;
  type: string;
  occurredAt: string;
  data: { id: string; [field: string]: unknown };
}

/**
 * The event log (GET /events) and its stream (GET /events/stream, Server-Sent Events), issue 16.
 * Two tenants on two API instances sharing one Redis: order, paging, staff visibility, the 30-day
 * window, hostile cursors, resume without loss or duplicates, heartbeats, the per-tenant cap,
 * tokens and suspension ending a stream, and commits on one instance reaching the other.
 */
describe('Events: the log and the stream (two tenants, two instances)', () => {
  let t: TestApp;
  let second: TestApp;
  let base: string;
  let secondBase: string;
  let acme: TestTenant;
  let globex: TestTenant;
  let staff: { id: string; token: string };
  let adminId: string;
  const open: SseClient[] = [];

  const env = () => ({
    REDIS_URL: process.env.TESSERA_TEST_REDIS!,
    TENANT_RATE_LIMIT_RPS: '0',
    EVENT_STREAM_HEARTBEAT_MS: '300',
    EVENT_STREAMS_PER_TENANT: '4',
  });
  const as = (tenant: TestTenant) => t.as(tenant.token, tenant.slug);
  const lead = async (tenant: TestTenant, name: string) =>
    (await as(tenant).post('/leads', { name }).expect(201)).body as { id: string };
  const list = async (tenant: TestTenant, query = '', token = tenant.token) =>
    (await t.as(token, tenant.slug).get(`/events${query}`).expect(200)).body as {
      data: Listed[];
      meta: { page: number; limit: number; total: number; nextAfter: number };
    };
  const head = async (tenant: TestTenant) =>
    Number((await t.sql<{ n: string }>('select last_seq as n from outbox_head', [], tenant.dbName))[0].n);
  async function stream(
    tenant: TestTenant,
    options: { token?: string; lastEventId?: string; query?: string; at?: string } = {},
  ): Promise<SseClient> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token ?? tenant.token}`,
      'x-tenant-id': tenant.slug,
    };
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const client = await SseClient.open(`${options.at ?? base}/api/v1/events/stream${options.query ?? ''}`, headers);
    open.push(client);
    return client;
  }
  const leadIds = (client: SseClient) =>
    client.messages.filter((m) => m.event === 'lead.created').map((m) => (JSON.parse(m.data!) as Listed).data.id);

  beforeAll(async () => {
    t = await TestApp.start(env());
    second = await TestApp.start(env(), t);
    await t.app.listen(0, '127.0.0.1');
    await second.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    secondBase = await second.app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
    secondBase = secondBase.replace('[::1]', '127.0.0.1');
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    adminId = (await as(acme).get('/auth/me').expect(200)).body.id;
    const body = { email: 'staff@acme.test', name: 'Staff', role: 'staff', password: 'staff-passphrase' };
    const created = await as(acme).post('/users', body).expect(201);
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', acme.slug)
      .send({ email: body.email, password: body.password })
      .expect(200);
    staff = { id: created.body.id, token: login.body.accessToken };
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await second?.stop();
    await t?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  describe('GET /events', () => {
    it('lists events in seq order as {seq, id, type, occurredAt, data} with a cursor page', async () => {
      const a = await lead(acme, 'First');
      const b = await lead(acme, 'Second');
      const page = await list(acme, '?limit=100');
      const seqs = page.data.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(page.data.slice(-2).map((e) => [e.type, e.data.id])).toEqual([
        ['lead.created', a.id],
        ['lead.created', b.id],
      ]);
      expect(Object.keys(page.data[0]).sort()).toEqual(['data', 'id', 'occurredAt', 'seq', 'type']);
      expect(page.meta).toEqual({ page: 1, limit: 100, total: page.data.length, nextAfter: seqs.at(-1) });
    });

    it('pages with after: each page starts after the last seq of the one before', async () => {
      for (let i = 0; i < 5; i++) await lead(acme, `Paged ${i}`);
      const all = (await list(acme, '?limit=100')).data.map((e) => e.seq);
      const seen: number[] = [];
      let after = 0;
      for (;;) {
        const page = await list(acme, `?after=${after}&limit=3`);
        if (!page.data.length) break;
        seen.push(...page.data.map((e) => e.seq));
        after = page.meta.nextAfter;
      }
      expect(seen).toEqual(all);
    });

    it("shows staff only their records' events, the reassignment away from them included", async () => {
      const own = (await t.as(staff.token, acme.slug).post('/leads', { name: 'Staff lead' }).expect(201)).body;
      await lead(acme, 'Admin lead');
      await as(acme).post(`/leads/${own.id}/assign`, { ownerId: adminId }).expect(200);
      await as(acme).patch(`/leads/${own.id}`, { company: 'After' }).expect(200);
      const seen = (await list(acme, '?limit=100', staff.token)).data;
      expect(seen.map((e) => [e.type, e.data.id])).toEqual([
        ['user.created', staff.id],
        ['lead.created', own.id],
        ['lead.assigned', own.id],
      ]);
    });

    it("never lists another tenant's events", async () => {
      await lead(globex, 'Globex only');
      const acmeIds = new Set((await list(acme, '?limit=100')).data.map((e) => e.id));
      const globexEvents = (await list(globex, '?limit=100')).data;
      expect(globexEvents.map((e) => e.type)).toEqual(['user.created', 'lead.created']);
      expect(globexEvents.filter((e) => acmeIds.has(e.id))).toEqual([]);
    });

    it('leaves out events older than 30 days', async () => {
      const old = await lead(acme, 'Old news');
      await t.sql(
        `update outbox set occurred_at = now() - interval '31 days' where entity_id = $1`,
        [old.id],
        acme.dbName,
      );
      const ids = (await list(acme, '?limit=100')).data.map((e) => e.data.id);
      expect(ids).not.toContain(old.id);
    });

    it.each(['-1', '1.5', '1e3', 'abc', '0x10', '01', '', '99999999999999999999', '1\u0000'])(
      'refuses after=%j with 400 naming the field',
      async (after) => {
        const res = await as(acme)
          .get(`/events?after=${encodeURIComponent(after)}`)
          .expect(400);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'after' })]);
      },
    );

    it('refuses limit above 100 and unknown parameters with 400', async () => {
      await as(acme).get('/events?limit=101').expect(400);
      await as(acme).get('/events?page=2').expect(400);
    });
  });

  describe('GET /events/stream', () => {
    it('answers text/event-stream, no-store, unbuffered, and sends live events', async () => {
      const client = await stream(acme);
      expect(client.status).toBe(200);
      expect(client.header('content-type')).toMatch(/^text\/event-stream/);
      expect(client.header('cache-control')).toBe('no-store');
      expect(client.header('x-accel-buffering')).toBe('no');
      const created = await lead(acme, 'Live');
      await client.until('the live event', (c) => leadIds(c).includes(created.id));
      const [message] = client.messages.filter((m) => m.event === 'lead.created');
      expect(JSON.parse(message.data!)).toMatchObject({ seq: Number(message.id), type: 'lead.created' });
    });

    it('sends a heartbeat comment', async () => {
      const client = await stream(acme);
      await client.until('a heartbeat', (c) => c.comments.includes('heartbeat'), 3_000);
    });

    it('resumes with Last-Event-ID: exactly the missed events, in order', async () => {
      const first = await stream(acme);
      const seen = await lead(acme, 'Seen');
      await first.until('the first event', (c) => leadIds(c).includes(seen.id));
      const lastId = first.messages.at(-1)!.id!;
      await first.close();
      const missed = [await lead(acme, 'Missed 1'), await lead(acme, 'Missed 2'), await lead(acme, 'Missed 3')];
      const again = await stream(acme, { lastEventId: lastId });
      await again.until('the missed events', (c) => leadIds(c).length === 3);
      expect(leadIds(again)).toEqual(missed.map((l) => l.id));
      expect(again.ids()[0]).toBe(Number(lastId) + 1);
    });

    it('loses and repeats nothing while 30 creates run during a reconnect', async () => {
      const start = await head(acme);
      const first = await stream(acme, { lastEventId: String(start) });
      const creating = Promise.all(Array.from({ length: 30 }, (_, i) => lead(acme, `Racing ${i}`)));
      await first.until('some events', (c) => c.messages.length >= 5, 10_000);
      await first.close();
      const lastId = first.messages.at(-1)!.id!;
      const again = await stream(acme, { lastEventId: lastId });
      const ids = (await creating).map((l) => l.id);
      await again.until('the rest', (c) => first.messages.length + c.messages.length >= 30, 10_000);
      const received = [...first.messages, ...again.messages];
      expect(received.map((m) => Number(m.id))).toEqual(Array.from({ length: 30 }, (_, i) => start + 1 + i));
      expect([...leadIds(first), ...leadIds(again)].sort()).toEqual([...ids].sort());
    });

    it('refuses a hostile Last-Event-ID or after with 400', async () => {
      for (const lastEventId of ['-1', 'abc', '1e3', '99999999999999999999']) {
        const client = await stream(acme, { lastEventId });
        expect([client.status, JSON.parse(client.body).errors[0].field]).toEqual([400, 'Last-Event-ID']);
      }
      const client = await stream(acme, { query: '?after=-5' });
      expect(client.status).toBe(400);
    });

    it("shows staff only their records' events", async () => {
      const client = await stream(acme, { token: staff.token });
      await lead(acme, 'Not for staff');
      const own = (await t.as(staff.token, acme.slug).post('/leads', { name: 'For staff' }).expect(201)).body;
      await client.until('the own event', (c) => leadIds(c).includes(own.id));
      expect(leadIds(client)).toEqual([own.id]);
    });

    it("never streams another tenant's events", async () => {
      const client = await stream(globex);
      await lead(acme, 'Acme secret');
      const mine = await lead(globex, 'Globex news');
      await client.until('the own event', (c) => leadIds(c).includes(mine.id));
      expect(leadIds(client)).toEqual([mine.id]);
    });

    it('delivers a commit on one instance to a stream on the other within a second', async () => {
      const client = await stream(acme, { at: secondBase });
      const started = Date.now();
      const created = await lead(acme, 'Across instances');
      await client.until('the event from the other instance', (c) => leadIds(c).includes(created.id), 1_000);
      expect(Date.now() - started).toBeLessThan(1_500);
    });

    it("caps a tenant's open streams across instances (429, Retry-After) and frees a slot on close", async () => {
      const held = [await stream(acme), await stream(acme, { at: secondBase }), await stream(acme), await stream(acme)];
      expect(held.map((c) => c.status)).toEqual([200, 200, 200, 200]);
      const refused = await stream(acme, { at: secondBase });
      expect(refused.status).toBe(429);
      expect(refused.header('retry-after')).toBeTruthy();
      expect(refused.header('content-type')).toMatch(/application\/problem\+json/);
      const other = await stream(globex);
      expect(other.status).toBe(200);
      await held[1].close();
      let again = await stream(acme);
      for (let i = 0; again.status !== 200 && i < 20; i++) {
        await new Promise((r) => setTimeout(r, 100));
        again = await stream(acme);
      }
      expect(again.status).toBe(200);
    });

    it('ends the stream of a user who is deactivated (token revoked)', async () => {
      const body = { email: 'leaving@acme.test', name: 'Leaving', role: 'staff', password: 'leaving-passphrase' };
      const user = (await as(acme).post('/users', body).expect(201)).body;
      const login = await t
        .http()
        .post('/api/v1/auth/login')
        .set('x-tenant-id', acme.slug)
        .send({ email: body.email, password: body.password })
        .expect(200);
      const client = await stream(acme, { token: login.body.accessToken });
      await new Promise((r) => setTimeout(r, 800)); // two heartbeats: the good token keeps the stream
      expect([client.status, client.ended]).toEqual([200, false]);
      await as(acme).delete(`/users/${user.id}`).expect(204);
      await client.until('the end of the stream', (c) => c.ended, 3_000);
    });

    it('ends the streams of a suspended tenant', async () => {
      const client = await stream(globex);
      await new Promise((r) => setTimeout(r, 800));
      expect([client.status, client.ended]).toEqual([200, false]);
      await t.setTenantStatus(globex.slug, 'suspended');
      await client.until('the end of the stream', (c) => c.ended, 3_000);
    });
  });
});
