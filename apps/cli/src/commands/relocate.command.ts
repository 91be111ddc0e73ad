import { TenantRelocator } from '@app/fleet';
import { Command, CommandRunner, Option } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { once, out, tenantSlug, UsageError } from '../usage';

interface RelocateOptions {
  to?: string;
}

const SERVER_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const ENDED = ['done', 'failed', 'aborted'];

@Command({
  name: 'relocate',
  arguments: '<slug>',
  argsDescription: { slug: 'the tenant' },
  description:
    "move the tenant's database to another server (copy, verify, cut over) and wait for the end; exit 1 unless done",
})
export class RelocateCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run([slugArg]: string[], options: RelocateOptions): Promise<void> {
    const slug = tenantSlug(slugArg);
    const to = options.to;
    if (!to || !SERVER_NAME.test(to)) throw new UsageError('--to must name a database server of tenants.config.json');
    process.exitCode = await this.ops.run(async (app) => {
      const relocator = app.get(TenantRelocator);
      const started = await relocator.start(slug, to);
      let relocation = started;
      let said = 0;
      for (;;) {
        relocation = await relocator.get(slug, started.id);
        for (const phase of relocation.phases.slice(said)) out(`${slug}\t${phase.phase}\t${phase.ms} ms`);
        said = relocation.phases.length;
        if (ENDED.includes(relocation.status)) break;
        await new Promise((done) => setTimeout(done, 250));
      }
      out(
        `${slug}\t${relocation.status}\t${relocation.fromServer.name} → ${relocation.toServer.name}\t${relocation.method ?? '-'}\twrites frozen ${relocation.writeFreezeMs ?? '-'} ms${relocation.error ? `\t${relocation.error}` : ''}`,
      );
      return relocation.status === 'done' ? 0 : 1;
    });
  }

  @Option({ flags: '--to <server>', description: 'the target database server', required: true })
  parseTo(value: string, previous?: string): string {
    return once('--to', value, previous);
  }
}
