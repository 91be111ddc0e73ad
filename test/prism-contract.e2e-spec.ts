import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJourney } from './client/journey';
import { PrismProxy, startPrism, Violation, violationsOf } from './support/prism';
import { PLATFORM_ADMIN, TestApp, TestTenant } from './support/test-app';

/**
 * The API through Prism's validating proxy: the client journey breaks no rule of the document in
 * either direction, and the document is as strict as the server — a request the server refuses
 * with 400 is one Prism also finds invalid, while the 400 itself matches the document.
 */
describe('the OpenAPI document against the running API (Prism validating proxy)', () => {
  let t: TestApp;
  let dir: string;
  let strict: PrismProxy;
  let lenient: PrismProxy;
  let offContract: { server: Server; prism: PrismProxy };
  let tenant: TestTenant;
  const journeyViolations: { operation: string; violations: Violation[] }[] = [];

  beforeAll(async () => {
    t = await TestApp.start();
    dir = mkdtempSync(join(tmpdir(), 'tessera-prism-'));
    const documentFile = join(dir, 'openapi.json');
    writeFileSync(documentFile, JSON.stringify((await t.http().get('/docs-json').expect(200)).body));
    await t.app.listen(0, '127.0.0.1');
    const upstream = await t.app.getUrl();
    [strict, lenient, offContract, tenant] = await Promise.all([
      startPrism(documentFile, upstream, true),
      startPrism(documentFile, upstream, false),
      offContractUpstream(documentFile),
      t.createTenant('prism'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([strict?.stop(), lenient?.stop(), offContract?.prism.stop()]);
    offContract?.server.close();
    rmSync(dir, { recursive: true, force: true });
    await t?.stop();
  });

  it('flags an answer that breaks the document (the control: Prism does check answers)', async () => {
    const response = await fetch(`${offContract.prism.url}/health/live`);
    expect(violationsOf(response.headers).map((v) => [v.location.join('.'), v.code])).toEqual([
      ['response.body.status', 'enum'],
    ]);
  });

  it('passes the whole client journey through `prism proxy --errors` without a violation', async () => {
    await runJourney({
      baseUrl: strict.url,
      platformAdmin: PLATFORM_ADMIN,
      runId: `p${t.id}`,
      onResponse: (response, operation) => {
        const violations = violationsOf(response.headers);
        if (violations.length) journeyViolations.push({ operation, violations });
      },
    });
    expect(journeyViolations).toEqual([]);
  });

  describe('a bad request reaches the server (no --errors): a 400 problem, Prism flags the request and not the answer', () => {
    const lead = { name: 'Valid lead' };
    const deal = { title: 'Valid deal', amount: '10.00', currency: 'USD' };
    const user = { email: 'someone@prism.test', name: 'Someone', password: 'a-long-passphrase', role: 'staff' };
    it.each([
      ['a missing required field', 'POST', '/leads', { company: 'No name' }, 'request.body required'],
      ['an unknown field', 'POST', '/leads', { ...lead, isAdmin: true }, 'request.body additionalProperties'],
      ['a wrong type', 'POST', '/deals', { ...deal, amount: 10 }, 'request.body.amount type'],
      ['a bad uuid path id', 'GET', '/leads/not-a-uuid', undefined, 'request.path.id format'],
      ['a bad email', 'POST', '/users', { ...user, email: 'not-an-email' }, 'request.body.email format'],
      ['bad money', 'POST', '/deals', { ...deal, amount: '10.999' }, 'request.body.amount pattern'],
      ['a too-long string', 'POST', '/leads', { name: 'x'.repeat(201) }, 'request.body.name maxLength'],
      [
        'an unknown field on update',
        'PATCH',
        `/leads/${randomUUID()}`,
        { owner: 'me' },
        'request.body additionalProperties',
      ],
    ])('%s', async (_case, method, path, body, violation) => {
      const response = await fetch(`${lenient.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const violations = violationsOf(response.headers);
      expect({
        status: response.status,
        type: response.headers.get('content-type'),
        violations: violations.map((v) => `${v.location.join('.')} ${v.code}`),
      }).toEqual({
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
        violations: [violation],
      });
    });
  });
});

/** A fake API whose liveness answer is off the document (`status` must be "ok"), behind a lenient Prism. */
async function offContractUpstream(documentFile: string): Promise<{ server: Server; prism: PrismProxy }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'control' });
    response.end(JSON.stringify({ status: 'broken' }));
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, prism: await startPrism(documentFile, `http://127.0.0.1:${port}`, false) };
}
