import { DbServerSync, migrateCatalog } from '@app/catalog';
import { MikroORM } from '@mikro-orm/postgresql';
import { CommandRunner, SubCommand } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { out } from '../usage';

@SubCommand({
  name: 'migrate',
  description: 'apply pending catalog migrations (and sync the database servers of tenants.config.json)',
})
export class CatalogMigrateCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run(): Promise<void> {
    process.exitCode = await this.ops.run(
      async (app, catalogUrl) => {
        const applied = await migrateCatalog(app.get(MikroORM), catalogUrl);
        await app.get(DbServerSync).sync();
        out(applied.length ? `applied: ${applied.join(', ')}` : 'catalog is up to date');
        return 0;
      },
      { migratedCatalog: false },
    );
  }
}
