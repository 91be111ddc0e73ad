import { Writable } from 'node:stream';
import { TestApp, TestTenant } from './support/test-app';

describe('failed SQL is logged by class, SQLSTATE and shape, never with its values (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let log = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      log += String(chunk);
      done();
    },
  });
  const errorLines = () =>
    log
      .split('\n')
      .filter(Boolean)
      .map(
        (line) => JSON.parse(line) as { level: string; context?: string; err?: string; trace?: string; msg?: string },
      )
      .filter((line) => line.level === 'error');

  beforeAll(async () => {
    t = await TestApp.start({ LOG_LEVEL: 'info' }, undefined, destination);
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
  }, 120_000);
  afterAll(() => t?.stop());

  it('answers a failing UPDATE with a 500 problem and logs no name, e-mail or value of it', async () => {
    const lead = await t
      .as(acme.token, acme.slug)
      .post('/leads', { name: 'Original lead', email: 'original@acme.test' })
      .expect(201);
    // As superuser: every new row version of leads now violates a check constraint.
    await t.sql('alter table leads add constraint leads_frozen check (false) not valid', [], acme.dbName);
    const secrets: string[] = [];
    for (let round = 0; round < 3; round++) {
      const bodies = Array.from({ length: 10 }, (_, i) => ({
        name: `Secret Lead Name ${round}-${i}`,
        email: `secret-${round}-${i}@leak.test`,
      }));
      secrets.push(...bodies.flatMap((b) => [b.name, b.email]));
      const answers = await Promise.all(
        bodies.map((body) => t.as(acme.token, acme.slug).patch(`/leads/${lead.body.id}`, body)),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(500);
        expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(JSON.stringify(answer.body)).not.toMatch(/update|leads_frozen|Secret Lead/);
      }
    }
    const [row] = await t.sql<{ name: string }>('select name from leads where id = $1', [lead.body.id], acme.dbName);
    expect(row.name).toBe('Original lead');
    await t.as(globex.token, globex.slug).post('/leads', { name: 'Globex works' }).expect(201);
    const lines = errorLines().filter((line) => line.context === 'Errors');
    expect(lines.length).toBeGreaterThanOrEqual(30);
    expect(
      lines.every((line) =>
        /CheckConstraintViolationException 23514 \(update leads\): new row for relation \W+leads\W+ violates check constraint/.test(
          JSON.stringify(line),
        ),
      ),
    ).toBe(true);
    for (const secret of [...secrets, 'original@acme.test']) expect(log).not.toContain(secret);
  });

  it('keeps a password hash and the new e-mail of a failing user update out of the log', async () => {
    const user = await t
      .as(acme.token, acme.slug)
      .post('/users', { email: 'person@acme.test', name: 'Person', password: 'first-passphrase-1', role: 'staff' })
      .expect(201);
    await t.sql('alter table users add constraint users_frozen check (false) not valid', [], acme.dbName);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.as(acme.token, acme.slug).patch(`/users/${user.body.id}`, {
          password: `leaked-passphrase-${i}`,
          name: `Secret Person ${i}`,
          email: `moved-${i}@leak.test`,
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(500));
    await t.sql('alter table users drop constraint users_frozen', [], acme.dbName);
    const [row] = await t.sql<{ name: string }>('select name from users where id = $1', [user.body.id], acme.dbName);
    expect(row.name).toBe('Person');
    expect(log).toMatch(/23514 \(update users\)/);
    for (const value of ['$argon2', 'leaked-passphrase', 'Secret Person', '@leak.test', 'person@acme.test'])
      expect(log).not.toContain(value);
  });

  it('logs a missing table of a read as its SQLSTATE and table, without the looked-up id', async () => {
    await t.sql('alter table leads drop constraint leads_frozen', [], acme.dbName);
    const { id } = (await t.as(acme.token, acme.slug).post('/leads', { name: 'Readable' }).expect(201)).body as {
      id: string;
    };
    await t.sql('alter table leads rename to leads_gone', [], acme.dbName);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => t.as(acme.token, acme.slug).get(`/leads/${id}`)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(500));
    await t.sql('alter table leads_gone rename to leads', [], acme.dbName);
    await t.as(acme.token, acme.slug).get(`/leads/${id}`).expect(200);
    expect(log).toMatch(/TableNotFoundException 42P01 \(select from leads\): relation \W+leads\W+ does not exist/);
    // The id is in the request line's URL, but not in what describes the failed SQL.
    const described = errorLines()
      .filter((line) => line.context === 'Errors')
      .map((line) => (JSON.parse(line.msg ?? '{}') as { err?: string }).err ?? '');
    expect(described.filter((err) => err.startsWith('TableNotFoundException 42P01'))).toHaveLength(10);
    expect(described.some((err) => err.includes(id))).toBe(false);
  });
});
