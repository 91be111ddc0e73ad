import { TenantLifecycle } from '@app/fleet';
import { Command, CommandRunner } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { out, tenantSlug } from '../usage';

@Command({
  name: 'resume',
  arguments: '<slug>',
  argsDescription: { slug: 'the tenant' },
  description: "serve the tenant's traffic again (every instance at once)",
})
export class ResumeCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run([slugArg]: string[]): Promise<void> {
    const slug = tenantSlug(slugArg);
    process.exitCode = await this.ops.run(async (app) => {
      const tenant = await app.get(TenantLifecycle).resume(slug);
      out(`${slug}\t${tenant.status}`);
      return 0;
    });
  }
}
