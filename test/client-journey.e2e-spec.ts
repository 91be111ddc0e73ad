import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { JourneyResult, runJourney } from './client/journey';
import { documentedOperations } from './support/openapi-operations';
import { PLATFORM_ADMIN, TestApp } from './support/test-app';

/** The types openapi-typescript makes of a document: its CLI, as `npm run openapi:client` runs it. */
function clientSchemaOf(document: unknown): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const cli = resolve(dirname(require.resolve('openapi-typescript/package.json')), 'bin/cli.js');
  return new Promise((done, fail) =>
    execFile(process.execPath, [cli, file], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      rmSync(dirname(file), { recursive: true, force: true });
      if (error) fail(new Error(`openapi-typescript failed: ${stderr}`));
      else done(stdout);
    }),
  );
}

describe('a client generated from the OpenAPI document (test/client)', () => {
  let t: TestApp;
  let document: unknown;
  let journey: JourneyResult;

  beforeAll(async () => {
    t = await TestApp.start();
    document = (await t.http().get('/docs-json').expect(200)).body;
    await t.app.listen(0, '127.0.0.1');
    journey = await runJourney({ baseUrl: await t.app.getUrl(), platformAdmin: PLATFORM_ADMIN, runId: t.id });
  });
  afterAll(() => t?.stop());

  it('is generated from the document /docs-json serves (else run the command named)', async () => {
    const committed = readFileSync(resolve(__dirname, 'client/schema.d.ts'), 'utf8');
    const fresh = await clientSchemaOf(document);
    if (committed !== fresh)
      throw new Error('test/client/schema.d.ts is stale: run `npm run openapi:client` and commit the file');
    expect(committed).toBe(fresh);
  });

  it('walks every operation of the document, each answer as documented', () => {
    const missed = documentedOperations(document).filter((operation) => !journey.operations.has(operation));
    expect(missed).toEqual([]);
  });

  it("keeps the tenants apart: the first tenant's database holds none of the second's records", async () => {
    const [alpha, beta] = journey.tenants;
    const database = `${t.prefix}${alpha.slug.replace(/-/g, '_')}`;
    const leads = await t.sql<{ id: string }>('select id from leads', [], database);
    const deals = await t.sql<{ id: string }>('select id from deals', [], database);
    expect(leads.map((row) => row.id).sort()).toEqual([...alpha.leadIds].sort());
    expect(deals.map((row) => row.id)).toEqual(expect.arrayContaining(alpha.dealIds));
    expect([...leads, ...deals].filter((row) => [...beta.leadIds, ...beta.dealIds].includes(row.id))).toEqual([]);
  });
});
