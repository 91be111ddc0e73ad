import { describeError } from '@app/common';
import { COUNTED_RESOURCES, Plan, type PlanFeature, type PlanLimits } from '@app/catalog';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CatalogEvents } from './catalog-events';
import { TenancyErrors } from './tenancy.exception';

/** A plan as requests apply it: read from the catalog, kept in memory. */
export interface PlanRules {
  code: string;
  version: number;
  limits: PlanLimits;
  features: ReadonlySet<PlanFeature>;
  /**
   * `select set_config('tessera.limit_<resource>', '<n>', true), …` for the plan's counted limits
   * (the tenant database's usage triggers read them); undefined when it has none.
   */
  limitSettings?: { sql: string; params: string[] };
}

/** How long a plan read from the catalog is trusted without a change message (the pub/sub backstop). */
export const PLAN_REFRESH_MS = 5_000;

/** The rules of a plan the catalog does not hold (never, with the tenants' foreign key): nothing is refused. */
const UNKNOWN: Omit<PlanRules, 'code'> = { version: 0, limits: {}, features: new Set() };

export function toPlanRules(plan: Pick<Plan, 'code' | 'version' | 'limits' | 'features'>): PlanRules {
  const counted = COUNTED_RESOURCES.filter((resource) => Number.isSafeInteger(plan.limits[resource]));
  return {
    code: plan.code,
    version: plan.version,
    limits: plan.limits,
    features: new Set(plan.features),
    limitSettings: counted.length
      ? {
          sql: `select ${counted.map(() => 'set_config(?, ?, true)').join(', ')}`,
          params: counted.flatMap((resource) => [
            `tessera.limit_${resource.toLowerCase()}`,
            String(plan.limits[resource]),
          ]),
        }
      : undefined,
  };
}

function assertFeature(rules: PlanRules, feature: PlanFeature): void {
  if (!rules.features.has(feature)) throw TenancyErrors.featureNotInPlan(feature);
}

/**
 * Every plan of the catalog, in memory: a request reads its tenant's rules synchronously. A plan
 * change reaches every instance at once through CatalogEvents (Redis pub/sub), and the plans are
 * read again every PLAN_REFRESH_MS anyway, so no instance applies old terms for longer than that.
 */
@Injectable()
export class PlanBook implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PlanBook.name);
  /** Empty until the first read (a catalog always holds plans). */
  private plans = new Map<string, PlanRules>();
  private loading?: Promise<void>;
  private timer?: NodeJS.Timeout;
  /** Bumped by every change message: a read begun before one does not overwrite what follows it. */
  private generation = 0;

  constructor(
    private readonly orm: MikroORM,
    events: CatalogEvents,
  ) {
    events.onPlans(() => this.changed());
  }

  /** The 5 s re-read, started here: a timer made inside a request would carry that request's async context. */
  onModuleInit(): void {
    this.timer = setInterval(() => void this.load().catch(() => undefined), PLAN_REFRESH_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The plan's rules, synchronously once the plans were read; a promise only for the first read (or an unknown code). */
  rules(code: string): PlanRules | Promise<PlanRules> {
    const known = this.plans.get(code);
    if (known) return known;
    return this.load().then(() => this.plans.get(code) ?? { ...UNKNOWN, code });
  }

  /** Throws 403 feature-not-in-plan unless the plan has `feature`; synchronous once the plans were read. */
  requireFeature(code: string, feature: PlanFeature): void | Promise<void> {
    const rules = this.rules(code);
    if (rules instanceof Promise) return rules.then((loaded) => assertFeature(loaded, feature));
    assertFeature(rules, feature);
  }

  /** Reads the plans now (a change was made here, or a message said one was made elsewhere). */
  changed(): Promise<void> {
    this.generation++;
    this.loading = undefined;
    return this.load();
  }

  private load(): Promise<void> {
    if (this.loading) return this.loading;
    const loading = this.read().finally(() => {
      if (this.loading === loading) this.loading = undefined;
    });
    this.loading = loading;
    return loading;
  }

  private async read(): Promise<void> {
    const generation = this.generation;
    try {
      // Not the context's manager: a first read may come from inside a tenant transaction (the quota
      // subscriber), whose entity manager MikroORM would otherwise resolve and which has no Plan.
      const em = this.orm.em.fork({ disableContextResolution: true });
      const plans = await em.find(Plan, {}, { orderBy: { code: 'asc' } });
      if (generation !== this.generation) return;
      this.plans = new Map(plans.map((plan) => [plan.code, toPlanRules(plan)]));
    } catch (error) {
      // The terms read last stay in force; the next refresh tries again.
      this.logger.warn(`cannot read the plans: ${describeError(error)}`);
      if (!this.plans.size) throw error;
    }
  }
}
