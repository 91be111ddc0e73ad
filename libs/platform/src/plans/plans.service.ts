import { COUNTED_RESOURCES, Plan, PLAN_LIMIT_KEYS, type PlanLimits, PlanVersion, Tenant } from '@app/catalog';
import { type Page, pageOf, pageWindow, PageQueryDto, type Precondition } from '@app/common';
import { TenantLifecycle } from '@app/fleet';
import { CatalogEvents, PlanBook, type ResolvedTenant, TenantContext, TenantOrmRegistry } from '@app/tenancy';
import { LockMode, MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CreatePlanDto, UpdatePlanDto } from './dto/plan.dto';
import { PlanLimitsPatchDto } from './dto/plan-limits.dto';
import { PlansErrors } from './plans.exception';
import { PlanVersionView, PlanView, toPlanVersionView, toPlanView, UsageView } from './plan.view';

/** Every counted resource's count (0 for a counter the database does not hold). */
function countsOf(rows: { resource: string; used: number | string }[]): UsageView['used'] {
  const counted = new Map(rows.map((row) => [row.resource, Math.max(0, Number(row.used))]));
  const used: UsageView['used'] = { users: 0, leads: 0, deals: 0, apiKeys: 0, customFields: 0, webhooks: 0 };
  for (const resource of COUNTED_RESOURCES) used[resource] = counted.get(resource) ?? 0;
  return used;
}

/** Only the limits that are set, in the order of PLAN_LIMIT_KEYS. */
function setLimits(limits: Partial<Record<string, number | null | undefined>>): PlanLimits {
  const kept: PlanLimits = {};
  for (const key of PLAN_LIMIT_KEYS) {
    const value = limits[key];
    if (typeof value === 'number') kept[key] = value;
  }
  return kept;
}

@Injectable()
export class PlansService {
  constructor(
    private readonly orm: MikroORM,
    private readonly events: CatalogEvents,
    private readonly book: PlanBook,
    private readonly tenancy: TenantContext,
    private readonly registry: TenantOrmRegistry,
    private readonly lifecycle: TenantLifecycle,
  ) {}

  async list(query: PageQueryDto): Promise<Page<PlanView>> {
    const em = this.orm.em.fork();
    const found = await em.findAndCount(Plan, {}, { orderBy: { code: 'asc' }, ...pageWindow(query) });
    const counts = await this.tenantCounts(found[0].map((plan) => plan.code));
    return pageOf(query, found, (plan) => toPlanView(plan, counts.get(plan.code) ?? 0));
  }

  async get(code: string): Promise<PlanView> {
    const plan = await this.orm.em.fork().findOne(Plan, { code });
    if (!plan) throw PlansErrors.notFound();
    return toPlanView(plan, (await this.tenantCounts([code])).get(code) ?? 0);
  }

  async versions(code: string, query: PageQueryDto): Promise<Page<PlanVersionView>> {
    const em = this.orm.em.fork();
    if (!(await em.count(Plan, { code }))) throw PlansErrors.notFound();
    const found = await em.findAndCount(
      PlanVersion,
      { plan: code },
      { orderBy: { version: 'desc' }, ...pageWindow(query) },
    );
    return pageOf(query, found, toPlanVersionView);
  }

  async create(dto: CreatePlanDto, actor: string): Promise<PlanView> {
    const em = this.orm.em.fork();
    const plan = em.create(Plan, {
      code: dto.code,
      name: dto.name,
      limits: setLimits({ ...dto.limits }),
      features: dto.features ?? [],
    });
    em.create(PlanVersion, { ...this.terms(plan), createdBy: actor });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw PlansErrors.exists(dto.code);
      throw error;
    }
    await this.events.publishPlans();
    return toPlanView(plan, 0);
  }

  /**
   * Changes a plan under its row lock: the version goes up by one and the new terms are kept as
   * that version; every instance applies them at once (pub/sub), and within PLAN_REFRESH_MS anyway.
   */
  async update(code: string, dto: UpdatePlanDto, actor: string, precondition?: Precondition): Promise<PlanView> {
    const plan = await this.orm.em.fork().transactional(async (em) => {
      const found = await em.findOne(Plan, { code }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!found) throw PlansErrors.notFound();
      precondition?.assertMatches(toPlanView(found, (await this.tenantCounts([code], em)).get(code) ?? 0));
      if (dto.name !== undefined) found.name = dto.name;
      if (dto.limits) found.limits = setLimits({ ...found.limits, ...this.patch(dto.limits) });
      if (dto.features) found.features = dto.features;
      found.version += 1;
      em.create(PlanVersion, { ...this.terms(found), createdBy: actor });
      return found;
    });
    await this.events.publishPlans();
    return toPlanView(plan, (await this.tenantCounts([code])).get(code) ?? 0);
  }

  /** A tenant's usage counters, read in its database (for /metrics), with its plan's limits. */
  async usageOf(tenant: ResolvedTenant): Promise<{ used: UsageView['used']; limits: PlanLimits }> {
    const used = await this.registry.run(tenant, () => this.counters());
    return { used, limits: (await this.book.rules(tenant.plan)).limits };
  }

  /** Moves a tenant to another plan; every instance enforces it from its next request (pub/sub). */
  setTenantPlan(slug: string, code: string): Promise<Tenant> {
    return this.lifecycle.setPlan(slug, code);
  }

  /** The request's tenant: its plan, limits, what is in use (the usage counters) and its features. */
  async usage(): Promise<UsageView> {
    const tenant = this.tenancy.tenant;
    const rules = await this.book.rules(tenant.plan);
    const used = await this.counters();
    return {
      plan: rules.code,
      planVersion: rules.version,
      limits: rules.limits,
      used,
      features: [...rules.features],
    };
  }

  /** The usage counters of the context's tenant: one short read on its pool. */
  private async counters(): Promise<UsageView['used']> {
    const rows = await this.tenancy.rootEm
      .getConnection()
      .execute<{ resource: string; used: string }[]>('select resource, used from usage_counters');
    return countsOf(rows);
  }

  private patch(limits: PlanLimitsPatchDto): Partial<Record<string, number | null>> {
    return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
  }

  private terms(plan: Plan) {
    return { plan: plan.code, version: plan.version, name: plan.name, limits: plan.limits, features: plan.features };
  }

  private async tenantCounts(codes: string[], em = this.orm.em.fork()): Promise<Map<string, number>> {
    if (!codes.length) return new Map();
    const rows = await em
      .getConnection()
      .execute<{ plan: string; n: string }[]>(
        `select plan, count(*) as n from tenants where plan in (${codes.map(() => '?').join(', ')}) and status <> 'offboarded' group by plan`,
        codes,
      );
    return new Map(rows.map((row) => [row.plan, Number(row.n)]));
  }
}
