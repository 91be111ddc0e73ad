import { TenantLifecycle } from '@app/fleet';
import { Command, CommandRunner } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { out, tenantSlug } from '../usage';

@Command({
  name: 'suspend',
  arguments: '<slug>',
  argsDescription: { slug: 'the tenant' },
  description: "refuse the tenant's traffic (every instance at once)",
})
export class SuspendCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run([slugArg]: string[]): Promise<void> {
    const slug = tenantSlug(slugArg);
    process.exitCode = await this.ops.run(async (app) => {
      const tenant = await app.get(TenantLifecycle).suspend(slug);
      out(`${slug}\t${tenant.status}`);
      return 0;
    });
  }
}
