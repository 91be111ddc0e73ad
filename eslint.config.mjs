// @ts-check
import eslint from '@eslint/js';
import eslintConfigPrettier from 'eslint-config-prettier/flat';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Libs in dependency order: a lib may import only the libs listed before it (ARCHITECTURE.md). */
const LAYERS = {
  config: [],
  common: [],
  catalog: ['config', 'common'],
  jobs: ['config', 'common'],
  tenancy: ['config', 'common', 'catalog', 'jobs'],
  fleet: ['config', 'common', 'catalog', 'jobs', 'tenancy'],
  auth: ['config', 'common', 'catalog', 'tenancy'],
  audit: ['config', 'common', 'catalog', 'tenancy', 'auth'],
  events: ['config', 'common', 'catalog', 'jobs', 'tenancy', 'auth', 'audit'],
  crm: ['config', 'common', 'jobs', 'tenancy', 'fleet', 'auth', 'audit', 'events'],
  exports: ['config', 'common', 'jobs', 'tenancy', 'auth', 'audit', 'events', 'crm'],
  platform: ['config', 'common', 'catalog', 'jobs', 'tenancy', 'fleet', 'auth'],
};
const ALL_LIBS = Object.keys(LAYERS);

const noDeepImports = [
  { group: ['@app/*/*'], message: 'Import a lib through its public door only: @app/<lib> (its index.ts).' },
  { group: ['**/libs/*', '**/libs/**'], message: 'Import libs as @app/<lib>, never by a relative path.' },
];

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'bench/results/', 'jest.config.js', 'test/support/*.js'],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: noDeepImports }],
    },
  },
  {
    // Type-aware rules: every .ts file is in tsconfig.json (apps, libs, test, bench), which the project service reads.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      'require-await': 'off',
      '@typescript-eslint/require-await': 'error',
      // A `default` does not stand in for a union's cases: a new member (a tenant status) must be placed in each switch.
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  ...Object.entries(LAYERS).map(([lib, allowed]) => ({
    files: [`libs/${lib}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noDeepImports,
            {
              group: ALL_LIBS.filter((other) => other !== lib && !allowed.includes(other)).map(
                (other) => `@app/${other}`,
              ),
              message: `libs/${lib} may depend only on: ${allowed.join(', ') || 'no other lib'} (dependencies point one way).`,
            },
            { group: ['../../*/src', '../../*/src/*'], message: 'Never reach into another lib by a relative path.' },
            {
              group: [`@app/${lib}`],
              message: `Inside libs/${lib}, import its own files by a relative path (its index.ts imports them: a cycle).`,
            },
          ],
        },
      ],
    },
  })),
  {
    // Scripts outside tsconfig.json (bench, test/support/pg-server.mjs, this file): no type information for them.
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { ...globals.node } },
  },
  {
    // Medium suites call a lib's services from the inside (as Immich's test/medium does), so they
    // may import the lib's own files by path; the public door stays the rule everywhere else.
    files: ['test/medium/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: noDeepImports.filter((p) => !p.group.includes('**/libs/**')) }],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The typed client and its journey prove the OpenAPI document types every answer: a cast, an
    // `any` or a `!` there would paper over a gap in the document instead of showing it.
    files: ['test/client/**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'never' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  // Last: turns off every stylistic rule prettier owns, so eslint and prettier never disagree.
  eslintConfigPrettier,
);
