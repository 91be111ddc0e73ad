import { CreateTenantDto, PlatformTenantsService } from '@app/platform';
import { TenantOnboarding } from '@app/fleet';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { Command, CommandRunner, Option } from 'nest-commander';
import { OpsContext } from '../ops-context.service';
import { once, out, UsageError } from '../usage';

interface CreateOptions {
  name?: string;
  adminEmail?: string;
  adminPassword?: string;
  adminName?: string;
  plan?: string;
  dbServer?: string;
}

@Command({
  name: 'create',
  arguments: '<slug>',
  argsDescription: { slug: 'the new tenant (3-40 lower-case letters, digits or dashes)' },
  description: 'onboard a tenant and wait until it is active; exit 1 if it is not',
})
export class CreateCommand extends CommandRunner {
  constructor(private readonly ops: OpsContext) {
    super();
  }

  async run([slug]: string[], options: CreateOptions): Promise<void> {
    const dto = plainToInstance(CreateTenantDto, {
      slug,
      name: options.name,
      plan: options.plan,
      adminEmail: options.adminEmail,
      adminName: options.adminName ?? 'Company admin',
      adminPassword: options.adminPassword,
      dbServer: options.dbServer,
    });
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) throw new UsageError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
    process.exitCode = await this.ops.run(async (app) => {
      const started = Date.now();
      await app.get(PlatformTenantsService).create(dto);
      await app.get(TenantOnboarding).idle();
      const tenant = await app.get(PlatformTenantsService).get(dto.slug);
      out(
        `${tenant.slug}\t${tenant.status}\t${tenant.dbServer}\t${Date.now() - started} ms${tenant.error ? `\t${tenant.error}` : ''}`,
      );
      return tenant.status === 'active' ? 0 : 1;
    });
  }

  @Option({ flags: '--name <name>', description: "the company's display name", required: true })
  parseName(value: string, previous?: string): string {
    return once('--name', value, previous);
  }

  @Option({ flags: '--admin-email <email>', description: "the first company admin's e-mail address", required: true })
  parseAdminEmail(value: string, previous?: string): string {
    return once('--admin-email', value, previous);
  }

  @Option({
    flags: '--admin-password <password>',
    description: "the first company admin's password (12 characters or more)",
    required: true,
  })
  parseAdminPassword(value: string, previous?: string): string {
    return once('--admin-password', value, previous);
  }

  @Option({ flags: '--admin-name <name>', description: 'the first company admin\'s name (default "Company admin")' })
  parseAdminName(value: string, previous?: string): string {
    return once('--admin-name', value, previous);
  }

  @Option({ flags: '--plan <plan>', description: 'the plan (default "standard")' })
  parsePlan(value: string, previous?: string): string {
    return once('--plan', value, previous);
  }

  @Option({
    flags: '--db-server <server>',
    description: 'pin the tenant to a database server of tenants.config.json (default: the least-loaded general one)',
  })
  parseDbServer(value: string, previous?: string): string {
    return once('--db-server', value, previous);
  }
}
