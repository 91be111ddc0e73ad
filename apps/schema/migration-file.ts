import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SchemaName } from './schema-options';

/** The libs that own migrations, and the database their migrations belong to. */
export const MIGRATION_LIBS: Readonly<Record<string, SchemaName>> = {
  catalog: 'catalog',
  auth: 'tenant',
  crm: 'tenant',
  audit: 'tenant',
  events: 'tenant',
  exports: 'tenant',
  platform: 'tenant',
};

const NAME = /^Migration(\d{14})$/;

/** The repository's root: the nearest folder above `from` holding package.json and libs/. */
export function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libs'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root above ${from}`);
  }
}

export function migrationsFolder(root: string, lib: string): string {
  return join(root, 'libs', lib, 'src', 'migrations');
}

/** Names of every migration of every lib (one sequence for all: a name is a UTC time). */
export function existingMigrationNames(root: string): string[] {
  return Object.keys(MIGRATION_LIBS).flatMap((lib) =>
    readdirSync(migrationsFolder(root, lib))
      .map((file) => file.replace(/\.ts$/, ''))
      .filter((name) => NAME.test(name)),
  );
}

function timestamp(at: Date): string {
  return at.toISOString().replace(/\D/g, '').slice(0, 14);
}

/**
 * `Migration` + the UTC time as YYYYMMDDhhmmss (MikroORM's naming), and always later than every existing
 * migration, since a database's schema version is the name of its newest migration.
 */
export function nextMigrationName(existing: string[], now: Date): string {
  const newest = existing
    .map((name) => NAME.exec(name)?.[1])
    .filter((stamp): stamp is string => !!stamp)
    .sort()
    .at(-1);
  if (!newest || timestamp(now) > newest) return `Migration${timestamp(now)}`;
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(newest)!.map(Number);
  return `Migration${timestamp(new Date(Date.UTC(y, mo - 1, d, h, mi + 1, s)))}`;
}

/** Splits MikroORM's SQL into statements (a blank line between groups becomes ''), never inside a string literal. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let buffer = '';
  for (const chunk of sql.split(/;\n/)) {
    buffer += (buffer ? ';\n' : '') + chunk;
    if (buffer.split(`'`).length % 2 === 0) continue; // an odd number of quotes: inside a literal
    if (buffer.startsWith('\n') && statements.length) statements.push('');
    const trimmed = buffer.trim();
    if (trimmed) statements.push(trimmed.endsWith(';') ? trimmed : `${trimmed};`);
    buffer = '';
  }
  while (statements.at(-1) === '') statements.pop();
  return statements;
}

function addSqlLines(statements: string[]): string {
  const literal = (sql: string) => sql.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
  return statements.map((sql) => (sql ? `    this.addSql(\`${literal(sql)}\`);` : '')).join('\n');
}

function method(name: 'up' | 'down', statements: string[]): string {
  const body = statements.length ? `\n${addSqlLines(statements)}\n  ` : '';
  return `  override ${name}(): void {${body}}`;
}

/** The source of a migration class, in the repository's style (see libs/*\/src/migrations). */
export function migrationSource(
  className: string,
  schema: SchemaName,
  summary: string,
  up: string[],
  down: string[],
): string {
  const what = schema === 'catalog' ? 'Catalog' : 'Tenant database';
  const comment = `${what}: ${summary.trim().replace(/\*\//g, '* /')}`;
  return [
    `import { Migration } from '@mikro-orm/migrations';`,
    '',
    `/** ${comment} */`,
    `export class ${className} extends Migration {`,
    method('up', up),
    '',
    method('down', down),
    '}',
    '',
  ].join('\n');
}

/**
 * Adds the migration to its lib's list (migrations/index.ts): an import after the last one, an entry after the
 * last entry. Returns undefined when the file does not have that shape; the migration is then added by hand.
 */
export function registerMigration(index: string, className: string): string | undefined {
  const lines = index.split('\n');
  const lastImport = lines.findLastIndex((line) =>
    /^import \{ Migration\d{14} \} from '\.\/Migration\d{14}';$/.test(line),
  );
  const lastEntry = lines.findLastIndex((line) =>
    /^ {2}\{ name: 'Migration\d{14}', class: Migration\d{14} \},$/.test(line),
  );
  if (lastImport < 0 || lastEntry < lastImport) return undefined;
  lines.splice(lastEntry + 1, 0, `  { name: '${className}', class: ${className} },`);
  lines.splice(lastImport + 1, 0, `import { ${className} } from './${className}';`);
  return lines.join('\n');
}
