// @ts-check
import eslint from '@eslint/js';
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
  crm: ['config', 'common', 'tenancy', 'auth', 'audit'],
  platform: ['config', 'common', 'catalog', 'jobs', 'tenancy', 'fleet', 'auth'],
};
const ALL_LIBS = Object.keys(LAYERS);

const noDeepImports = [
  { group: ['@app/*/*'], message: 'Import a lib through its public door only: @app/<lib> (its index.ts).' },
  { group: ['**/libs/*', '**/libs/**'], message: 'Import libs as @app/<lib>, never by a relative path.' },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'bench/results/', 'jest.config.js', 'test/support/*.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: noDeepImports }],
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
              group: ALL_LIBS.filter((other) => other !== lib && !allowed.includes(other)).map((other) => `@app/${other}`),
              message: `libs/${lib} may depend only on: ${allowed.join(', ') || 'no other lib'} (dependencies point one way).`,
            },
            { group: ['../../*/src', '../../*/src/*'], message: 'Never reach into another lib by a relative path.' },
            { group: [`@app/${lib}`], message: `Inside libs/${lib}, import its own files by a relative path (its index.ts imports them: a cycle).` },
          ],
        },
      ],
    },
  })),
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
