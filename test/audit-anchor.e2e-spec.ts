import { AuditAnchors } from '@app/audit';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { TestApp, TestTenant } from './support/test-app';
import { until } from './support/wait';

const ROOT = resolve(__dirname, '..');
const execFileAsync = promisify(execFile);

describe('audit chain anchors in the catalog (three tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let initech: TestTenant;
  let globex: TestTenant;
  let catalogDb: string;

  const cli = (...args: string[]) =>
    execFileAsync(process.execPath, ['dist/apps/cli/src/main.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...t.env },
      encoding: 'utf8',
    }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
    );
  const maxSeq = async (tenant: TestTenant) =>
    Number((await t.sql<{ max: string }>('select max(seq) as max from audit_logs', [], tenant.dbName))[0].max);
  const anchors = (tenant: TestTenant) =>
    t.sql<{ seq: string; hash: string }>(
      'select a.seq, a.hash from audit_anchors a join tenants t on t.id = a.tenant_id where t.slug = $1 order by a.seq',
      [tenant.slug],
      catalogDb,
    );
  const writeLeads = (tenant: TestTenant, n: number, name: string) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        t
          .as(tenant.token, tenant.slug)
          .post('/leads', { name: `${name} ${i}` })
          .expect(201),
      ),
    );
  /** As superuser, behind the triggers' back: recomputes prev_hash and hash of every entry in order, with the trail's own canonical form. */
  const RECHAIN = `do $$
    declare r record; previous text := 'genesis';
    begin
      for r in select id from audit_logs order by seq loop
        update audit_logs set prev_hash = previous where id = r.id;
        update audit_logs a set hash = encode(sha256(convert_to(audit_logs_canonical(a), 'UTF8')), 'hex') where id = r.id returning hash into previous;
      end loop;
    end $$`;

  beforeAll(async () => {
    t = await TestApp.start({ AUDIT_ANCHOR_INTERVAL_MS: '200' });
    catalogDb = `tessera_test_${t.id}`;
    const pt = await t.platformToken();
    [acme, initech, globex] = await Promise.all([
      t.createTenant('acme', pt),
      t.createTenant('initech', pt),
      t.createTenant('globex', pt),
    ]);
  }, 120_000);
  afterAll(() => t?.stop());

  it('anchors each tenant’s chain head, signed, shortly after concurrent writes grow it', async () => {
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        writeLeads(acme, 15, `acme r${round}`),
        writeLeads(initech, 15, `initech r${round}`),
        writeLeads(globex, 10, `globex r${round}`),
      ]);
      for (const tenant of [acme, initech, globex]) {
        const head = await maxSeq(tenant);
        await until(
          `an anchor of ${tenant.slug} at seq ${head}`,
          async () => (await anchors(tenant)).some((a) => Number(a.seq) === head),
          30_000,
        );
        const [entry] = await t.sql<{ hash: string }>(
          'select hash from audit_logs where seq = $1',
          [head],
          tenant.dbName,
        );
        expect((await anchors(tenant)).find((a) => Number(a.seq) === head)!.hash).toBe(entry.hash);
      }
    }
    // Concurrent explicit anchoring adds at most one row per head.
    await Promise.all(Array.from({ length: 20 }, () => t.app.get(AuditAnchors).anchor(acme.slug)));
    const seqs = (await anchors(acme)).map((a) => a.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const tenant of [acme, initech, globex])
      expect(await cli('audit', 'verify', tenant.slug)).toMatchObject({
        code: 0,
        out: expect.stringMatching(/chain intact\t\d+ anchor\(s\) match/),
      });
  });

  it('fails verify, naming the anchor, when a superuser rewrites an entry and re-chains the whole trail', async () => {
    expect((await cli('audit', 'anchor', acme.slug)).code).toBe(0);
    const [victim] = await t.sql<{ id: string }>(
      'select id from audit_logs order by seq limit 1 offset 3',
      [],
      acme.dbName,
    );
    await t.sql(
      `begin; set local session_replication_role = replica;
       update audit_logs set changes = '{"forged": true}',
              changes_digest = audit_logs_changes_digest(changes_salt, '{"forged": true}') where id = '${victim.id}';
       ${RECHAIN};
       commit;`,
      [],
      acme.dbName,
    );
    const result = await cli('audit', 'verify', acme.slug);
    expect(result.code).toBe(1);
    expect(result.out).not.toMatch(/BROKEN/); // the chain walk alone is fooled…
    expect(result.out).toMatch(/ANCHOR FAILED \(anchored-entry-changed\) at seq \d+/); // …the anchor is not
  });

  it('fails verify when a superuser deletes the newest entries', async () => {
    await writeLeads(initech, 5, 'initech last');
    expect((await cli('audit', 'anchor', initech.slug)).code).toBe(0);
    const head = await maxSeq(initech);
    await t.sql(
      `begin; set local session_replication_role = replica; delete from audit_logs where seq > ${head - 4}; commit;`,
      [],
      initech.dbName,
    );
    const result = await cli('audit', 'verify', initech.slug);
    expect(result.code).toBe(1);
    // The first anchor past the new end is named: the CLI's, or one the API's interval took meanwhile.
    const seq = Number(/ANCHOR FAILED \(truncated\) at seq (\d+) /.exec(result.out)?.[1]);
    expect(seq).toBeGreaterThan(head - 4);
    expect(seq).toBeLessThanOrEqual(head);
  });

  it('fails verify when an anchor in the catalog is altered without the signing key', async () => {
    const [first] = await anchors(globex);
    await t.sql(
      `update audit_anchors set seq = seq where seq = $1 and tenant_id = (select id from tenants where slug = $2)`,
      [first.seq, globex.slug],
      catalogDb,
    );
    expect((await cli('audit', 'verify', globex.slug)).code).toBe(0); // untouched: still verifies
    await t.sql(
      `update audit_anchors set hash = repeat('0', 64) where seq = $1 and tenant_id = (select id from tenants where slug = $2)`,
      [first.seq, globex.slug],
      catalogDb,
    );
    const result = await cli('audit', 'verify', globex.slug);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/ANCHOR FAILED \(signature\)/);
  });

  it('anchors what an instance wrote when it shuts down gracefully, before the interval elapses', async () => {
    // This instance's timer stops first, so only the other instance's shutdown can anchor its write.
    await t.app.get(AuditAnchors).onApplicationShutdown();
    const other = await TestApp.start({ AUDIT_ANCHOR_INTERVAL_MS: '3600000' }, t);
    const login = await other
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', initech.slug)
      .send({ email: initech.admin.email, password: initech.admin.password })
      .expect(200);
    await other
      .as(login.body.accessToken, initech.slug)
      .post('/leads', { name: 'written just before shutdown' })
      .expect(201);
    const head = await maxSeq(initech);
    await other.stop();
    expect((await anchors(initech)).map((a) => Number(a.seq))).toContain(head);
  });
});
