import { runMain } from '@app/common';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  existingMigrationNames,
  MIGRATION_LIBS,
  migrationSource,
  migrationsFolder,
  nextMigrationName,
  registerMigration,
  repositoryRoot,
  splitStatements,
} from './migration-file';
import { pendingMigration } from './schema-drift';
import { openSchemaServer } from './schema-server';

const USAGE = `usage: npm run migration:create -- --lib <${Object.keys(MIGRATION_LIBS).join('|')}> --summary "<what it does>" [--blank]
  Migrates a scratch database from empty, compares it with the entities and writes the difference as a new
  migration class into libs/<lib>/src/migrations, registered in that folder's index.ts.
  --blank   write the migration even when the entities agree (SQL they cannot express: triggers, grants, data)`;

const out = (line: string) => process.stdout.write(`${line}\n`);

function usageError(problem: string): never {
  process.stderr.write(`migration:create: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

function options(): { lib: string; summary: string; blank: boolean } {
  let values: { lib?: string; summary?: string; blank?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        lib: { type: 'string' },
        summary: { type: 'string' },
        blank: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    out(USAGE);
    process.exit(0);
  }
  if (!values.lib || !(values.lib in MIGRATION_LIBS))
    usageError(`--lib must be one of ${Object.keys(MIGRATION_LIBS).join(', ')}`);
  if (!values.summary?.trim()) usageError("--summary is required: one sentence for the migration's comment");
  return { lib: values.lib, summary: values.summary, blank: values.blank ?? false };
}

/** npm run migration:create — see USAGE. */
runMain('migration:create', async () => {
  const { lib, summary, blank } = options();
  const schema = MIGRATION_LIBS[lib];
  const root = repositoryRoot(__dirname);
  const server = await openSchemaServer(out);
  const pending = await pendingMigration(schema, server.url).finally(() => server.close());
  const up = splitStatements(pending.up);
  if (pending.definitions.length) {
    out(
      `${schema}: definitions MikroORM cannot express still differ (- migrations only, + entities only); add their SQL by hand:`,
    );
    for (const line of pending.definitions) out(`    ${line}`);
  }
  if (!up.length && !blank) {
    if (!pending.definitions.length)
      out(`${schema}: the entities and the migrations agree, nothing to write (--blank writes an empty migration)`);
    else {
      out(`${schema}: MikroORM has no SQL for these; --blank writes an empty migration to write it in`);
      process.exitCode = 1;
    }
    return;
  }
  const className = nextMigrationName(existingMigrationNames(root), new Date());
  const folder = migrationsFolder(root, lib);
  const file = join(folder, `${className}.ts`);
  writeFileSync(file, migrationSource(className, schema, summary, up, splitStatements(pending.down)));
  out(
    `wrote ${relative(root, file)} (${up.filter(Boolean).length} statements)${schema === 'tenant' ? ': the whole tenant diff, check that it is all ' + lib + "'s" : ''}`,
  );
  const index = join(folder, 'index.ts');
  const registered = registerMigration(readFileSync(index, 'utf8'), className);
  if (registered) {
    writeFileSync(index, registered);
    out(`registered it in ${relative(root, index)}`);
  } else {
    out(
      `add it to the list in ${relative(root, index)}: import { ${className} } from './${className}'; { name: '${className}', class: ${className} }`,
    );
  }
  out('review the SQL, then: npm run migration:check');
});
