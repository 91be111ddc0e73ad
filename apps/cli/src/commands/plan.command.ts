import { PLAN_CODE_PATTERN } from '@app/catalog';
import { TenantLifecycle } from '@app/fleet';
import { Command, CommandRunner } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { out, tenantSlug, UsageError } from '../usage';

@Command({
  name: 'plan',
  arguments: '<slug> <plan>',
  argsDescription: { slug: 'the tenant', plan: 'the code of a plan (GET /platform/plans)' },
  description: 'move the tenant to another plan (every instance enforces it at once; data is never deleted)',
})
export class PlanCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run([slugArg, planArg]: string[]): Promise<void> {
    const slug = tenantSlug(slugArg);
    if (!PLAN_CODE_PATTERN.test(planArg ?? ''))
      throw new UsageError(`"${planArg ?? ''}" is not a plan code (lower-case letters, digits or dashes)`);
    process.exitCode = await this.ops.run(async (app) => {
      const tenant = await app.get(TenantLifecycle).setPlan(slug, planArg);
      out(`${slug}\t${tenant.plan}`);
      return 0;
    });
  }
}
