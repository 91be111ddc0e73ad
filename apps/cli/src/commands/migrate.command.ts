import { MigrationResult, TenantFleet } from '@app/fleet';
import { Command, CommandRunner, Option } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { once, out, tenantSlug, UsageError } from '../usage';

interface MigrateOptions {
  all?: boolean;
  concurrency?: number;
}

@Command({
  name: 'migrate',
  arguments: '[slug]',
  argsDescription: { slug: 'the tenant to migrate (or --all)' },
  description:
    'apply pending migrations to one tenant, or --all: every active or suspended tenant, as jobs, at most N per database server; one line per tenant; exit 1 if any failed',
})
export class MigrateCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run([slugArg]: string[], { all = false, concurrency }: MigrateOptions): Promise<void> {
    if (all === (slugArg !== undefined)) throw new UsageError('migrate takes either a slug or --all');
    if (concurrency !== undefined && !all) throw new UsageError('--concurrency goes with --all');
    const slug = all ? undefined : tenantSlug(slugArg);
    // The CLI takes part in the work: with Redis it shares the queue with running workers.
    process.exitCode = await this.ops.run(async (app) => {
      const fleet = app.get(TenantFleet);
      const print = (r: MigrationResult) =>
        out(
          `${r.slug}\t${r.from ?? 'none'} → ${r.to ?? 'none'}\t${r.ms} ms\t${r.ok ? `ok (${r.applied.length} applied)` : `failed: ${r.error}`}`,
        );
      const results =
        slug === undefined ? await fleet.migrateAll(concurrency ?? 4, print) : [await fleet.migrateOne(slug)];
      if (!all) print(results[0]);
      const failed = results.filter((r) => !r.ok).length;
      if (all) out(`${results.length} tenant(s), ${failed} failed`);
      return failed ? 1 : 0;
    });
  }

  @Option({ flags: '--all', description: 'every active or suspended tenant' })
  parseAll(_value: undefined, previous?: boolean): boolean {
    return once('--all', true, previous);
  }

  @Option({
    flags: '--concurrency <n>',
    description: 'with --all: at most N migrations at once per database server, 1 to 64 (default 4)',
  })
  parseConcurrency(value: string, previous?: number): number {
    const concurrency = once('--concurrency', Number(value), previous);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new UsageError('--concurrency must be an integer from 1 to 64');
    return concurrency;
  }
}
