import { runMain } from '@app/common';
import { migrationsDrift, SchemaDrift } from './schema-drift';
import { SCHEMA_NAMES } from './schema-options';
import { openSchemaServer } from './schema-server';

const out = (line: string) => process.stdout.write(`${line}\n`);
const indent = (lines: string[]) => lines.map((line) => `    ${line}`).join('\n');

function report(name: string, drift: SchemaDrift): boolean {
  if (!drift.sql && !drift.definitions.length) {
    out(`${name}: entities and migrations agree`);
    return true;
  }
  out(`${name}: entities and migrations disagree`);
  if (drift.sql) out(`  SQL that would bring the migrated database to the entities:\n${indent(drift.sql.split('\n'))}`);
  if (drift.definitions.length)
    out(`  definitions (- migrations only, + entities only):\n${indent(drift.definitions)}`);
  return false;
}

/**
 * npm run migration:check — migrates a scratch database of each schema (catalog, tenant) from empty, compares it
 * with the entities and exits 1 with the difference when they disagree.
 */
runMain('migration:check', async () => {
  const server = await openSchemaServer(out);
  let agree = true;
  try {
    for (const name of SCHEMA_NAMES) agree = report(name, await migrationsDrift(name, server.url)) && agree;
  } finally {
    await server.close();
  }
  if (!agree) {
    out('\nnpm run migration:create -- --lib <lib> --summary "<what it does>" writes the SQL above as a migration;');
    out(
      'definitions MikroORM cannot express (an index by `expression`, say) are fixed by hand in the entity or a migration.',
    );
    process.exitCode = 1;
  }
});
