import 'reflect-metadata';
import { AnchorCheck, AuditAnchors } from '@app/audit';
import { DbServerSync, migrateCatalog, openCatalogDatabase } from '@app/catalog';
import { AppException, runMain } from '@app/common';
import { loadAppConfig } from '@app/config';
import { CreateTenantDto, PlatformTenantsService } from '@app/platform';
import { MigrationResult, TenantFleet, TenantLifecycle, TenantOnboarding } from '@app/fleet';
import { isTenantSlug, TenantDirectory } from '@app/tenancy';
import { MikroORM } from '@mikro-orm/postgresql';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { parseArgs, UsageError } from './cli-args';
import { CliModule } from './cli.module';

const USAGE = `usage: npm run tenants -- <command>
  list                                   tenants with status, server and database
  create <slug> --name <name> --admin-email <email> --admin-password <password>
         [--admin-name <name>] [--plan <plan>] [--db-server <server>]
                                         onboard a tenant and wait until it is active
  migrate <slug>                         apply pending migrations to one tenant
  migrate --all [--concurrency N]        every active or suspended tenant, as jobs, at most N per
                                         database server; one line per tenant; exit 1 if any failed
  suspend <slug> | resume <slug>         refuse or serve the tenant's traffic (every instance at once)
  offboard <slug>                        back the database up (pg_dump, verified), drop it and its role
  catalog migrate                        apply pending catalog migrations
  audit verify <slug>                    check the tenant's audit hash chain and its anchors in the catalog;
                                         exit 1 at the first broken link or anchor that does not match
  audit anchor <slug>                    record (sign) the tenant's audit chain head in the catalog now`;

const out = (line: string) => process.stdout.write(`${line}\n`);

async function withApp<T>(fn: (app: INestApplicationContext, catalogUrl: string) => Promise<T>): Promise<T> {
  const config = { ...loadAppConfig(), workers: true };
  const catalog = await openCatalogDatabase(config, () => undefined);
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, catalog.url), { logger: ['fatal', 'error'] });
  try {
    return await fn(app, catalog.url);
  } finally {
    await app.close();
    await catalog.embedded?.stop();
  }
}

async function list(): Promise<number> {
  return withApp(async (app) => {
    const tenants = await app.get(TenantOnboarding).list();
    out(['slug', 'status', 'server', 'database', 'created'].join('\t'));
    for (const t of tenants) out([t.slug, t.status, t.dbServer.name, t.dbName, t.createdAt.toISOString()].join('\t'));
    return 0;
  });
}

async function create(slug: string | undefined, flags: Map<string, string | true>): Promise<number> {
  const dto = plainToInstance(CreateTenantDto, {
    slug,
    name: flags.get('name'),
    plan: flags.get('plan'),
    adminEmail: flags.get('admin-email'),
    adminName: flags.get('admin-name') ?? 'Company admin',
    adminPassword: flags.get('admin-password'),
    dbServer: flags.get('db-server'),
  });
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw new UsageError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
  return withApp(async (app) => {
    const started = Date.now();
    await app.get(PlatformTenantsService).create(dto);
    await app.get(TenantOnboarding).idle();
    const tenant = await app.get(PlatformTenantsService).get(dto.slug);
    out(`${tenant.slug}\t${tenant.status}\t${tenant.dbServer}\t${Date.now() - started} ms${tenant.error ? `\t${tenant.error}` : ''}`);
    return tenant.status === 'active' ? 0 : 1;
  });
}

async function migrate(slug: string | undefined, flags: Map<string, string | true>): Promise<number> {
  const all = flags.get('all') === true;
  if (all === (slug !== undefined)) throw new UsageError('migrate takes either a slug or --all');
  const concurrencyFlag = flags.get('concurrency');
  if (concurrencyFlag !== undefined && !all) throw new UsageError('--concurrency goes with --all');
  const concurrency = concurrencyFlag === undefined ? 4 : Number(concurrencyFlag);
  // The CLI takes part in the work: with Redis it shares the queue with running workers.
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError('--concurrency must be an integer from 1 to 64');
  return withApp(async (app) => {
    const fleet = app.get(TenantFleet);
    const print = (r: MigrationResult) =>
      out(`${r.slug}\t${r.from ?? 'none'} → ${r.to ?? 'none'}\t${r.ms} ms\t${r.ok ? `ok (${r.applied.length} applied)` : `failed: ${r.error}`}`);
    const results = all ? await fleet.migrateAll(concurrency, print) : [await fleet.migrateOne(slug!)];
    if (!all) print(results[0]);
    const failed = results.filter((r) => !r.ok).length;
    if (all) out(`${results.length} tenant(s), ${failed} failed`);
    return failed ? 1 : 0;
  });
}

async function catalogMigrate(): Promise<number> {
  return withApp(async (app, url) => {
    const applied = await migrateCatalog(app.get(MikroORM), url);
    await app.get(DbServerSync).sync();
    out(applied.length ? `applied: ${applied.join(', ')}` : 'catalog is up to date');
    return 0;
  });
}

async function auditVerify(slug: string | undefined): Promise<number> {
  if (!slug || !isTenantSlug(slug)) throw new UsageError('audit verify needs a tenant slug');
  return withApp(async (app) => {
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
      const why: Record<AnchorCheck, string> = {
        signature: 'its signature is not valid',
        truncated: 'the trail ends before it (newest entries deleted)',
        'anchored-entry-missing': 'the anchored entry is gone',
        'anchored-entry-changed': 'the anchored entry has another hash (trail rewritten)',
      };
      out(`${slug}\t${chain.entries} entries\tANCHOR FAILED (${check}) at seq ${anchor.seq} anchored ${anchor.anchoredAt}: ${why[check]}`);
      return 1;
    }
    out(`${slug}\t${chain.entries} entries\tchain intact\t${report.anchors} anchor(s) match`);
    return 0;
  });
}

async function auditAnchor(slug: string | undefined): Promise<number> {
  if (!slug || !isTenantSlug(slug)) throw new UsageError('audit anchor needs a tenant slug');
  return withApp(async (app) => {
    if (!(await app.get(TenantDirectory).find(slug))) {
      process.stderr.write(`tenants: no tenant "${slug}"\n`);
      return 1;
    }
    const anchor = await app.get(AuditAnchors).anchor(slug);
    out(anchor ? `${slug}\tanchored seq ${anchor.seq}\t${anchor.hash}` : `${slug}\tno audit entries to anchor`);
    return 0;
  });
}

async function lifecycle(command: 'suspend' | 'resume' | 'offboard', slug: string | undefined): Promise<number> {
  if (!slug || !isTenantSlug(slug)) throw new UsageError(`${command} needs a tenant slug`);
  return withApp(async (app) => {
    const tenants = app.get(TenantLifecycle);
    const tenant = await tenants[command](slug);
    if (command === 'offboard') {
      await tenants.waitForOffboarding(tenant.id);
      const done = await app.get(PlatformTenantsService).get(slug);
      out(`${slug}\t${done.status}`);
      return done.status === 'offboarded' ? 0 : 1;
    }
    out(`${slug}\t${tenant.status}`);
    return 0;
  });
}

async function run(argv: string[]): Promise<number> {
  const { words, flags } = parseArgs(argv, ['name', 'admin-email', 'admin-password', 'admin-name', 'plan', 'db-server', 'concurrency'], ['all', 'help']);
  const [command, arg, extra] = words;
  if (flags.get('help') || command === 'help') {
    out(USAGE);
    return 0;
  }
  const noExtra = (max: number) => {
    if (words.length > max) throw new UsageError(`unexpected argument "${words[max]}"`);
  };
  switch (command) {
    case 'list':
      noExtra(1);
      return list();
    case 'create':
      noExtra(2);
      return create(arg, flags);
    case 'migrate':
      noExtra(2);
      return migrate(arg, flags);
    case 'suspend':
    case 'resume':
    case 'offboard':
      noExtra(2);
      return lifecycle(command, arg);
    case 'audit':
      if (!['verify', 'anchor'].includes(arg ?? '') || words.length !== 3) throw new UsageError('the audit commands are: audit verify <slug>, audit anchor <slug>');
      return arg === 'verify' ? auditVerify(words[2]) : auditAnchor(words[2]);
    case 'catalog':
      if (arg !== 'migrate' || extra !== undefined) throw new UsageError('the catalog command is: catalog migrate');
      return catalogMigrate();
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  }
}

runMain('tenants', async () => {
  try {
    process.exitCode = await run(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`tenants: ${error.message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (error instanceof AppException) {
      process.stderr.write(`tenants: ${error.detail}\n`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  }
});
