import { auditContext, AuditDraft } from '@app/audit';
import { AuthModule, PasswordHasher, type Principal, type TenantRole, User } from '@app/auth';
import {
  CatalogModule,
  DbServerSync,
  ensureDatabase,
  migrateCatalog,
  parsePostgresUrl,
  toPostgresUrl,
} from '@app/catalog';
import { AppConfig, ConfigModule, loadAppConfig } from '@app/config';
import { CrmModule } from '@app/crm';
import { FleetModule, TenantOnboarding } from '@app/fleet';
import { JobsModule } from '@app/jobs';
import { type ResolvedTenant, TenancyModule, TenantContext, TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { DynamicModule, INestApplicationContext, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TENANT_DATABASE_SCHEMA } from '../../apps/tenant-schema';
import { dropTestDeployment } from './test-databases';

/** The password of every user the factories make (hashed once per suite). */
export const MEDIUM_PASSWORD = 'medium-tier-passphrase';

/** What a medium suite boots: the modules the tenant services need, in-process queues, no HTTP. */
@Module({})
class MediumModule {
  static forRoot(config: AppConfig, catalogUrl: string): DynamicModule {
    return {
      module: MediumModule,
      imports: [
        ConfigModule.forRoot(config),
        CatalogModule.forRoot(catalogUrl),
        JobsModule.forRoot(config),
        TenancyModule.forRoot(TENANT_DATABASE_SCHEMA),
        FleetModule,
        AuthModule,
        CrmModule,
      ],
    };
  }
}

/** A tenant user made by `MediumTenant.newUser`, with the principal a verified token of theirs would carry. */
export interface MediumUser {
  id: string;
  email: string;
  role: TenantRole;
  principal: Principal;
}

/** An onboarded, active tenant of a medium suite. */
export class MediumTenant {
  private users = 0;

  constructor(
    private readonly medium: MediumApp,
    readonly resolved: ResolvedTenant,
    /** The company admin onboarding made. */
    readonly admin: MediumUser,
  ) {}

  get slug(): string {
    return this.resolved.slug;
  }

  get id(): string {
    return this.resolved.id;
  }

  /** Runs `fn` inside this tenant's context (`registry.run`), as a job would: changes are audited as `system`. */
  run<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.medium.get(TenantOrmRegistry).run(this.resolved, () => fn(this.medium.get(TenantContext).em));
  }

  /**
   * Runs `fn` inside this tenant's context as `user`, who is handed to it as the principal the
   * services take first. With `action`, the audit record of a mutating request is open too
   * (what AuditInterceptor does): the entries name `user` and that action (`lead.update`).
   */
  runAs<T>(user: MediumUser, fn: (principal: Principal) => Promise<T>, action?: string): Promise<T> {
    if (!action) return this.run(() => fn(user.principal));
    const draft: AuditDraft = {
      tenant: this.slug,
      actorId: user.id,
      actorRole: user.role,
      action,
      ip: null,
      userAgent: null,
      requestId: null,
      written: false,
    };
    return this.run(() => auditContext.run(draft, () => fn(user.principal)));
  }

  /** A new active user of this tenant with `role`, written through the User repository. */
  async newUser(role: TenantRole): Promise<MediumUser> {
    const n = ++this.users;
    const email = `${role}-${n}@${this.slug}.test`;
    const passwordHash = await this.medium.passwordHash();
    const id = await this.run(async (em) => {
      const user = em.getRepository(User).create({ email, name: `${role} ${n}`, role, passwordHash });
      await em.flush();
      return user.id;
    });
    return mediumUser(this.resolved, id, email, role);
  }
}

function mediumUser(tenant: ResolvedTenant, id: string, email: string, role: TenantRole): MediumUser {
  return {
    id,
    email,
    role,
    principal: { sub: id, role, tid: tenant.slug, scope: 'tenant', jti: randomUUID(), ver: 0 },
  };
}

/**
 * One medium suite's Tessera without HTTP: a Nest application context on the test server with
 * its own catalog database and tenant prefix (so suites run in parallel), dropped by `stop`.
 * Tenants are onboarded through TenantOnboarding and the in-process provisioning job
 * (ProvisioningProcessor), as the platform API does it.
 */
export class MediumApp {
  readonly id = randomBytes(4).toString('hex');
  readonly prefix = `m${this.id}_`;
  readonly adminUrl = process.env.TESSERA_TEST_PG!;
  readonly catalogUrl: string;
  private readonly keysDir = mkdtempSync(join(tmpdir(), 'tessera-medium-keys-'));
  private app?: INestApplicationContext;
  private hash?: Promise<string>;
  private tenants = 0;

  private constructor() {
    if (!this.adminUrl) throw new Error('TESSERA_TEST_PG is not set: run the suites through jest (global setup)');
    this.catalogUrl = toPostgresUrl({ ...parsePostgresUrl(this.adminUrl), database: `tessera_medium_${this.id}` });
  }

  static async start(): Promise<MediumApp> {
    const medium = new MediumApp();
    await medium.boot();
    return medium;
  }

  private async boot(): Promise<void> {
    const config = loadAppConfig(
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: this.catalogUrl,
        TENANT_DB_PREFIX: this.prefix,
        KEYS_DIR: this.keysDir,
        BACKUP_DIR: join(this.keysDir, 'backups'),
        TENANT_SPARE_DATABASES: '0',
      },
      resolve(__dirname, '../..'),
    );
    await ensureDatabase(this.catalogUrl);
    this.app = await NestFactory.createApplicationContext(MediumModule.forRoot(config, this.catalogUrl), {
      logger: false,
      abortOnError: false,
    });
    await migrateCatalog(this.app.get(MikroORM), this.catalogUrl);
    await this.app.get(DbServerSync).sync();
  }

  /** A provider of the application (a service under test). */
  get<T>(type: Type<T>): T {
    if (!this.app) throw new Error('the medium app is not started');
    return this.app.get(type);
  }

  /** The hash of MEDIUM_PASSWORD, computed once. */
  passwordHash(): Promise<string> {
    this.hash ??= this.get(PasswordHasher).hash(MEDIUM_PASSWORD);
    return this.hash;
  }

  /** Onboards a tenant with a unique slug and waits until it is active. */
  async newTenant(name = `tenant${++this.tenants}`): Promise<MediumTenant> {
    const slug = `${name}-${this.id}`;
    const email = `admin@${slug}.test`;
    const onboarding = this.get(TenantOnboarding);
    await onboarding.register({
      slug,
      name,
      admin: { email, name: `${name} admin`, passwordHash: await this.passwordHash() },
    });
    await onboarding.idle();
    const resolved = await this.get(TenantDirectory).find(slug);
    if (resolved?.status !== 'active')
      throw new Error(`tenant ${slug} is not active: ${(await onboarding.get(slug)).lastError ?? resolved?.status}`);
    const admin = await this.get(TenantOrmRegistry).run(resolved, () =>
      this.get(TenantContext).em.findOneOrFail(User, { email }),
    );
    return new MediumTenant(this, resolved, mediumUser(resolved, admin.id, email, 'company_admin'));
  }

  /** Closes the application and drops every database and role this suite made. */
  async stop(): Promise<void> {
    await this.app?.close();
    await dropTestDeployment(this.adminUrl, parsePostgresUrl(this.catalogUrl).database, this.prefix);
    rmSync(this.keysDir, { recursive: true, force: true });
  }
}
