import { AuditAnchors } from '@app/audit';
import { TenantDirectory } from '@app/tenancy';
import { CommandRunner, SubCommand } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { out, tenantSlug } from '../usage';

@SubCommand({
  name: 'anchor',
  arguments: '<slug>',
  argsDescription: { slug: 'the tenant' },
  description: "record (sign) the tenant's audit chain head in the catalog now",
})
export class AuditAnchorCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run([slugArg]: string[]): Promise<void> {
    const slug = tenantSlug(slugArg);
    process.exitCode = await this.ops.run(async (app) => {
      if (!(await app.get(TenantDirectory).find(slug))) {
        process.stderr.write(`tenants: no tenant "${slug}"\n`);
        return 1;
      }
      const anchor = await app.get(AuditAnchors).anchor(slug);
      out(anchor ? `${slug}\tanchored seq ${anchor.seq}\t${anchor.hash}` : `${slug}\tno audit entries to anchor`);
      return 0;
    });
  }
}
