import { parsePostgresUrl, toPostgresUrl, withClient } from '@app/catalog';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '..');
const execFileAsync = promisify(execFile);
/** Nothing listens there: a command line that opened the catalog would fail differently, and later. */
const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/nowhere';
// Each run is a Node process loading every lib (about 2 s of CPU); a test runs several at once.
jest.setTimeout(180_000);

interface Run {
  code: number;
  out: string;
  err: string;
}

/** The built CLI (the e2e global setup builds), with a catalog it cannot reach unless told. */
const cliOn = (databaseUrl: string, ...args: string[]): Promise<Run> =>
  execFileAsync(process.execPath, ['dist/apps/cli/src/main.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, TENANT_DB_PREFIX: `c${randomBytes(3).toString('hex')}_` },
    encoding: 'utf8',
  }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );
const cli = (...args: string[]): Promise<Run> => cliOn(UNREACHABLE, ...args);

/** A stack frame as Node prints one: `    at fn (file:line:column)` or `    at file:line:column`. */
const STACK_FRAME = /\n\s+at .*:\d+:\d+\)?(\n|$)/;

/** A usage error: exit 2, nothing on stdout, one line "tenants: …" on stderr and no stack trace. */
const expectUsageError = (run: Run, message: RegExp) => {
  expect(run).toMatchObject({ code: 2, out: '' });
  expect(run.err.split('\n')).toEqual([expect.stringMatching(/^tenants: /), '']);
  expect(run.err).toMatch(message);
  expect(run.err).not.toMatch(STACK_FRAME);
  expect(run.err).not.toMatch(/Error:/);
};

describe('ops CLI command line (no database needed)', () => {
  it('lists every command with its description under --help, and exits 0', async () => {
    const run = await cli('--help');
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toMatch(/^Usage: tenants <command>/);
    for (const command of [
      'list',
      'create \\[options\\] <slug>',
      'migrate \\[options\\] \\[slug\\]',
      'suspend <slug>',
      'resume <slug>',
      'offboard <slug>',
      'plan <slug> <plan>',
      'catalog',
      'audit',
    ]) {
      expect(run.out).toMatch(new RegExp(`\\n  ${command} +\\S`));
    }
  });

  it("shows a command's arguments and options under its --help", async () => {
    const [migrate, create] = await Promise.all([cli('migrate', '--help'), cli('create', '--help')]);
    expect(migrate).toMatchObject({ code: 0, err: '' });
    expect(migrate.out).toMatch(/^Usage: tenants migrate \[options\] \[slug\]/);
    expect(migrate.out).toMatch(/\n {2}--all +every active or suspended tenant/);
    expect(migrate.out).toMatch(/\n {2}--concurrency <n> +with --all/);
    for (const option of [
      '--name <name>',
      '--admin-email <email>',
      '--admin-password <password>',
      '--admin-name <name>',
      '--plan <plan>',
      '--db-server <server>',
    ]) {
      expect(create.out).toContain(`\n  ${option} `);
    }
  });

  it("lists a group's sub-commands under its --help, and shows a sub-command's own help", async () => {
    const [audit, verify, catalog] = await Promise.all([
      cli('audit', '--help'),
      cli('audit', 'verify', '--help'),
      cli('help', 'catalog'),
    ]);
    expect(audit).toMatchObject({ code: 0, err: '' });
    expect(audit.out).toMatch(/\n {2}verify <slug> +check the tenant's audit hash chain/);
    expect(audit.out).toMatch(/\n {2}anchor <slug> +record \(sign\)/);
    expect(verify).toMatchObject({ code: 0, err: '' });
    expect(verify.out).toMatch(/^Usage: tenants audit verify \[options\] <slug>/);
    expect(catalog.out).toMatch(/\n {2}migrate +apply pending catalog migrations/);
  });

  it('shows the help on stderr, exit 2, when no command is given', async () => {
    const run = await cli();
    expect(run).toMatchObject({ code: 2, out: '' });
    expect(run.err).toMatch(/^Usage: tenants <command>/);
    expect(run.err).not.toMatch(STACK_FRAME); // help text may wrap before "at" ("every instance\n at once")
  });

  it('refuses an unknown command in one line, exit 2', async () => {
    const [bogus, typo, audit, catalog] = await Promise.all([
      cli('bogus'),
      cli('lst'),
      cli('audit', 'bogus', 'acme'),
      cli('catalog'),
    ]);
    expectUsageError(bogus, /^tenants: unknown command 'bogus'\n$/);
    expectUsageError(typo, /^tenants: unknown command 'lst' \(Did you mean list\?\)\n$/);
    expectUsageError(audit, /^tenants: the audit commands are: audit verify <slug>, audit anchor <slug>\n$/);
    expectUsageError(catalog, /^tenants: the catalog command is: catalog migrate\n$/);
  });

  it('refuses a bad tenant slug in one line, exit 2, before opening anything', async () => {
    const slugArgs = [
      ['suspend', 'Not_A_Slug'],
      ['offboard', 'x'],
      ['migrate', 'ACME'],
      ['audit', 'verify', '9lives'],
    ];
    const [create, ...runs] = await Promise.all([
      cli('create', 'Bad!', '--name', 'Bad', '--admin-email', 'admin@bad.test', '--admin-password', 'long-enough-pass'),
      ...slugArgs.map((args) => cli(...args)),
    ]);
    for (const run of runs)
      expectUsageError(
        run,
        /^tenants: ".*" is not a tenant slug \(3-40 lower-case letters, digits or dashes, starting with a letter\)\n$/,
      );
    expectUsageError(create, /^tenants: slug must be 3-40/);
  });

  it('refuses bad arguments and options in one line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['suspend'], /^tenants: missing required argument 'slug'\n$/],
      [['list', 'extra'], /^tenants: too many arguments for 'list'/],
      [['list', '--bogus'], /^tenants: unknown option '--bogus'\n$/],
      [['migrate'], /^tenants: migrate takes either a slug or --all\n$/],
      [['migrate', 'acme', '--concurrency', '2'], /^tenants: --concurrency goes with --all\n$/],
      [['migrate', '--all', '--concurrency', '0'], /^tenants: --concurrency must be an integer from 1 to 64\n$/],
      [['migrate', '--all', '--concurrency', 'four'], /^tenants: --concurrency must be an integer from 1 to 64\n$/],
      [['migrate', '--all', '--all'], /^tenants: --all is given twice\n$/],
      [
        ['create', 'acme', '--admin-email', 'admin@acme.test', '--admin-password', 'long-enough-pass'],
        /^tenants: required option '--name <name>' not specified\n$/,
      ],
      [
        ['create', 'acme', '--name', 'Acme', '--admin-email', 'admin@acme.test', '--admin-password', 'short'],
        /^tenants: adminPassword must be at least 12 characters\n$/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(...args)));
    runs.forEach((run, i) => expectUsageError(run, cases[i][1]));
  });

  it('reports an unreachable catalog in one line, exit 1, once the command line is valid', async () => {
    const run = await cli('list');
    expect(run).toMatchObject({ code: 1, out: '' });
    expect(run.err).toMatch(
      /^tenants: DATABASE_URL: cannot reach PostgreSQL at 127\.0\.0\.1:1\/nowhere \(connection refused\)\n$/,
    );
  });
});

describe('ops CLI on a catalog database without tables', () => {
  const admin = parsePostgresUrl(process.env.TESSERA_TEST_PG!);
  const database = `tessera_cli_${randomBytes(4).toString('hex')}`;
  const url = toPostgresUrl({ ...admin, database });

  beforeAll(() => withClient(admin, (c) => c.query(`create database ${database}`)));
  afterAll(() => withClient(admin, (c) => c.query(`drop database if exists ${database} with (force)`)));

  it('says in one line, exit 1, that the catalog must be migrated first', async () => {
    const run = await cliOn(url, 'list');
    expect(run).toMatchObject({ code: 1, out: '' });
    expect(run.err).toBe(
      `tenants: the catalog database ${database} has no tables yet: run \`npm run tenants -- catalog migrate\` or start the API once\n`,
    );
  });

  it('lets `catalog migrate` create the tables, after which list answers', async () => {
    const migrate = await cliOn(url, 'catalog', 'migrate');
    expect(migrate).toMatchObject({ code: 0, err: '' });
    expect(migrate.out).toMatch(/^applied: Migration\d+/);
    const list = await cliOn(url, 'list');
    expect(list).toMatchObject({ code: 0, err: '', out: 'slug\tstatus\tserver\tdatabase\tcreated\n' });
  });
});
