import { Entity, ManyToOne, OptionalProps, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';

/** What a plan may cap: record counts in the tenant's database, its requests per second and open event streams. */
export const PLAN_LIMIT_KEYS = [
  'users',
  'leads',
  'deals',
  'apiKeys',
  'customFields',
  'webhooks',
  'requestsPerSecond',
  'eventStreams',
] as const;
export type PlanLimitKey = (typeof PLAN_LIMIT_KEYS)[number];
/** The counted limits: enforced in the tenant's database, in the transaction that creates the record. */
export type CountedResource = Exclude<PlanLimitKey, 'requestsPerSecond' | 'eventStreams'>;
export const COUNTED_RESOURCES = PLAN_LIMIT_KEYS.filter(
  (key): key is CountedResource => key !== 'requestsPerSecond' && key !== 'eventStreams',
);

/** A missing limit is unlimited. */
export type PlanLimits = Partial<Record<PlanLimitKey, number>>;

/** Routes a plan turns on; a route whose feature is off answers 403 feature-not-in-plan. */
export const PLAN_FEATURES = ['webhooks', 'events', 'customFields', 'analytics', 'exports', 'supportAccess'] as const;
export type PlanFeature = (typeof PLAN_FEATURES)[number];

/** Plan codes: the tenants' `plan` column holds them (also the CLI's argument). */
export const PLAN_CODE_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;

/**
 * A plan: limits and feature flags that every API instance enforces for the tenants on it. A
 * change bumps `version` and keeps the previous terms in `plan_versions` (immutable history).
 */
@Entity({ tableName: 'plans' })
export class Plan {
  [OptionalProps]?: 'version' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'text' })
  code: string;

  @Property({ type: 'text' })
  name: string;

  @Property({ type: 'integer', default: 1 })
  version: number = 1;

  @Property({ type: 'json', defaultRaw: "'{}'" })
  limits: PlanLimits = {};

  @Property({ type: 'json', defaultRaw: "'[]'" })
  features: PlanFeature[] = [];

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** One version of a plan's terms, written when the plan is created or changed; never updated. */
@Entity({ tableName: 'plan_versions' })
export class PlanVersion {
  [PrimaryKeyProp]?: ['plan', 'version'];
  [OptionalProps]?: 'createdAt';

  @ManyToOne(() => Plan, {
    primary: true,
    fieldName: 'code',
    deleteRule: 'cascade',
    mapToPk: true,
    foreignKeyName: 'plan_versions_code_fkey',
  })
  plan: string;

  @PrimaryKey({ type: 'integer' })
  version: number;

  @Property({ type: 'text' })
  name: string;

  @Property({ type: 'json' })
  limits: PlanLimits;

  @Property({ type: 'json' })
  features: PlanFeature[];

  /** The platform user who wrote this version (`system` for the seeded plans). */
  @Property({ type: 'text' })
  createdBy: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
