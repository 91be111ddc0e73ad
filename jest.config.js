/** The suites the e2e-pooler project runs again with tenant traffic through a real PgBouncer. */
const POOLER_SUITES = ['tenancy', 'crm', 'pooler'];

/**
 * Five projects, fastest first:
 * - unit: specs beside the code, no database;
 * - medium: services called inside a tenant context on real PostgreSQL (test/medium/), no HTTP;
 * - e2e: the whole HTTP path in this process, on real PostgreSQL (and a second server);
 * - e2e-stack: the e2e suites that also need Redis or the build (dist/): a real API, worker or
 *   CLI process, or a PostgreSQL of their own started from dist/ (test/support/pg-server.mjs);
 * - e2e-pooler: the isolation and CRUD suites (and test/pooler.e2e-spec.ts) with the tenants'
 *   request traffic through a real PgBouncer in transaction mode (test/support/pgbouncer.ts).
 * Each project's global setup starts only what it needs; servers are shared within one run.
 */
const moduleNameMapper = {
  '^@app/(config|common|catalog|jobs|tenancy|fleet|auth|audit|events|crm|exports|platform)$': '<rootDir>/libs/$1/src',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', diagnostics: false }] };
const globalTeardown = '<rootDir>/test/support/global-teardown.ts';

/** The e2e suites that use Redis (TESSERA_TEST_REDIS, REDIS_URL) or dist/. */
const STACK_SUITES = [
  'audit-anchor',
  'auth-races',
  'cli',
  'custom-fields-replicas',
  'database-roles',
  'events',
  'faults',
  'idempotency',
  'lifecycle',
  'plan-replicas',
  'redis-limits',
  'relocation-worker',
  'replica-limits',
  'server-log',
  'webhooks-relay',
  'shutdown',
  'start-anywhere',
  'support-access',
];

module.exports = {
  // Three workers on CI's two cores: most suites wait on child processes and PostgreSQL, so two side
  // by side halved the run (780 s → 460 s here), and a third keeps the cores busy while two wait
  // (the suites of issues 16 and 17 took two workers past 15 minutes). Each file keeps its own databases.
  maxWorkers: 3,
  // Per-test limit (applies to every project; e2e suites onboard tenants and start workers).
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'medium',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/medium/**/*.medium-spec.ts'],
      moduleNameMapper,
      transform,
      globalSetup: '<rootDir>/test/support/medium-setup.ts',
      globalTeardown,
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/*.e2e-spec.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        ...[...STACK_SUITES, 'pooler'].map((name) => `/test/${name}\\.e2e-spec\\.ts$`),
      ],
      moduleNameMapper,
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown,
    },
    {
      displayName: 'e2e-stack',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: STACK_SUITES.map((name) => `<rootDir>/test/${name}.e2e-spec.ts`),
      moduleNameMapper,
      transform,
      globalSetup: '<rootDir>/test/support/stack-setup.ts',
      globalTeardown,
    },
    {
      displayName: 'e2e-pooler',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: POOLER_SUITES.map((name) => `<rootDir>/test/${name}.e2e-spec.ts`),
      moduleNameMapper,
      transform,
      globals: { TESSERA_THROUGH_POOLER: true },
      globalSetup: '<rootDir>/test/support/pooler-setup.ts',
      globalTeardown,
    },
  ],
};
