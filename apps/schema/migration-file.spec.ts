import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  existingMigrationNames,
  migrationSource,
  migrationsFolder,
  nextMigrationName,
  registerMigration,
  repositoryRoot,
  splitStatements,
} from './migration-file';

describe('migration files', () => {
  const root = repositoryRoot(__dirname);

  describe('nextMigrationName', () => {
    it('names a migration after the UTC time, as YYYYMMDDhhmmss', () => {
      expect(nextMigrationName(['Migration20261126000500'], new Date('2026-12-01T13:04:05.678Z'))).toBe(
        'Migration20261201130405',
      );
    });

    it('names it one minute after the newest migration when the clock is not past it, so it is the newest', () => {
      const existing = ['Migration20261126000500', 'Migration20261231235900', 'Migration20261201000300'];
      expect(nextMigrationName(existing, new Date('2026-12-01T13:04:05Z'))).toBe('Migration20270101000000');
      expect(nextMigrationName(['Migration20261201130405'], new Date('2026-12-01T13:04:05Z'))).toBe(
        'Migration20261201130505',
      );
    });

    it('ignores files that are not migrations', () => {
      expect(nextMigrationName(['index', 'Migration2026'], new Date('2026-12-01T00:00:00Z'))).toBe(
        'Migration20261201000000',
      );
    });
  });

  it('lists the migrations of every lib, one name each', () => {
    const names = existingMigrationNames(root);
    expect(names).toEqual(
      expect.arrayContaining([
        'Migration20261126000000',
        'Migration20261126000100',
        'Migration20261126000200',
        'Migration20261126000500',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  describe('splitStatements', () => {
    it('keeps a statement over several lines whole and marks a blank line between groups', () => {
      const sql =
        'create table "a" (\n  "id" uuid not null\n);\n\nalter table "b" add column "c" text;\ncreate index "d" on "b" ("c");\n';
      expect(splitStatements(sql)).toEqual([
        'create table "a" (\n  "id" uuid not null\n);',
        '',
        'alter table "b" add column "c" text;',
        'create index "d" on "b" ("c");',
      ]);
    });

    it('never splits inside a string literal', () => {
      expect(splitStatements(`comment on table "a" is 'one;\ntwo';\nselect 1;\n`)).toEqual([
        `comment on table "a" is 'one;\ntwo';`,
        'select 1;',
      ]);
    });

    it('gives nothing for no SQL', () => {
      expect(splitStatements('')).toEqual([]);
      expect(splitStatements('\n\n')).toEqual([]);
    });
  });

  it('writes a migration class in the house style, its SQL safe inside template literals', () => {
    const source = migrationSource(
      'Migration20261201130405',
      'tenant',
      'leads get a `website`.',
      ['alter table "leads" add column "w" text default \'${x}\';'],
      [],
    );
    expect(source).toBe(
      [
        "import { Migration } from '@mikro-orm/migrations';",
        '',
        '/** Tenant database: leads get a `website`. */',
        'export class Migration20261201130405 extends Migration {',
        '  override up(): void {',
        '    this.addSql(`alter table "leads" add column "w" text default \'\\${x}\';`);',
        '  }',
        '',
        '  override down(): void {}',
        '}',
        '',
      ].join('\n'),
    );
    expect(migrationSource('Migration20261201130405', 'catalog', 'ends a comment */ early', [], [])).toContain(
      '/** Catalog: ends a comment * / early */',
    );
  });

  describe('registerMigration', () => {
    it("adds the import and the list entry after the lib's last ones, leaving the rest of index.ts alone", () => {
      const index = readFileSync(join(migrationsFolder(root, 'audit'), 'index.ts'), 'utf8');
      const last = [...index.matchAll(/^import \{ (Migration\d{14}) \}/gm)].pop()![1];
      const registered = registerMigration(index, 'Migration20261201130405')!;
      const lines = registered.split('\n');
      expect(lines.indexOf("import { Migration20261201130405 } from './Migration20261201130405';")).toBe(
        lines.indexOf(`import { ${last} } from './${last}';`) + 1,
      );
      expect(lines.indexOf("  { name: 'Migration20261201130405', class: Migration20261201130405 },")).toBe(
        lines.indexOf(`  { name: '${last}', class: ${last} },`) + 1,
      );
      expect(registered.replace(/.*Migration20261201130405.*\n/g, '')).toBe(index);
    });

    it('declines an index.ts of another shape (the migration is then listed by hand)', () => {
      expect(registerMigration('export const MIGRATIONS = [];\n', 'Migration20261201130405')).toBeUndefined();
    });
  });
});
