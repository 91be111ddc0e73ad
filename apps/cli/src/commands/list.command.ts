import { TenantOnboarding } from '@app/fleet';
import { Command, CommandRunner } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { out } from '../usage';

@Command({ name: 'list', description: 'tenants with status, server and database' })
export class ListCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run(): Promise<void> {
    process.exitCode = await this.ops.run(async (app) => {
      const tenants = await app.get(TenantOnboarding).list();
      out(['slug', 'status', 'server', 'database', 'created'].join('\t'));
      for (const t of tenants) out([t.slug, t.status, t.dbServer.name, t.dbName, t.createdAt.toISOString()].join('\t'));
      return 0;
    });
  }
}
