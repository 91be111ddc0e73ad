import { AnchorCheck, AuditAnchors } from '@app/audit';
import { CommandRunner, SubCommand } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { out, tenantSlug } from '../usage';

const WHY: Record<AnchorCheck, string> = {
  signature: 'its signature is not valid',
  truncated: 'the trail ends before it (newest entries deleted)',
  'anchored-entry-missing': 'the anchored entry is gone',
  'anchored-entry-changed': 'the anchored entry has another hash (trail rewritten)',
};

@SubCommand({
  name: 'verify',
  arguments: '<slug>',
  argsDescription: { slug: 'the tenant' },
  description:
    "check the tenant's audit hash chain and its anchors in the catalog; exit 1 at the first broken link or anchor that does not match",
})
export class AuditVerifyCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run([slugArg]: string[]): Promise<void> {
    const slug = tenantSlug(slugArg);
    process.exitCode = await this.ops.run(async (app) => {
      const report = await app.get(AuditAnchors).verify(slug);
      if (!report) {
        process.stderr.write(`tenants: no tenant "${slug}"\n`);
        return 1;
      }
      const { chain } = report;
      if (!chain.ok) {
        const broken = chain.firstBroken!;
        out(`${slug}\t${chain.entries} entries\tBROKEN at seq ${broken.seq} (entry ${broken.id}): ${broken.reason}`);
        return 1;
      }
      if (report.anchorFailed) {
        const { check, anchor } = report.anchorFailed;
        out(
          `${slug}\t${chain.entries} entries\tANCHOR FAILED (${check}) at seq ${anchor.seq} anchored ${anchor.anchoredAt}: ${WHY[check]}`,
        );
        return 1;
      }
      out(`${slug}\t${chain.entries} entries\tchain intact\t${report.anchors} anchor(s) match`);
      return 0;
    });
  }
}
