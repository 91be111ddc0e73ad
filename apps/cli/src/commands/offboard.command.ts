import { PlatformTenantsService } from '@app/platform';
import { TenantLifecycle } from '@app/fleet';
import { Command, CommandRunner } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { out, tenantSlug } from '../usage';

@Command({
  name: 'offboard',
  arguments: '<slug>',
  argsDescription: { slug: 'the tenant' },
  description: "back the tenant's database up (pg_dump, verified), drop it and its role; exit 1 unless offboarded",
})
export class OffboardCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run([slugArg]: string[]): Promise<void> {
    const slug = tenantSlug(slugArg);
    process.exitCode = await this.ops.run(async (app) => {
      const lifecycle = app.get(TenantLifecycle);
      const tenant = await lifecycle.offboard(slug);
      await lifecycle.waitForOffboarding(tenant.id);
      const done = await app.get(PlatformTenantsService).get(slug);
      out(`${slug}\t${done.status}`);
      return done.status === 'offboarded' ? 0 : 1;
    });
  }
}
