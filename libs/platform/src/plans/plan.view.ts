import { PLAN_FEATURES, type Plan, type PlanFeature, type PlanVersion } from '@app/catalog';
import { TimeProperty } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { PlanLimitsDto } from './dto/plan-limits.dto';

const FEATURE_LIST = { enum: [...PLAN_FEATURES], enumName: 'PlanFeature', isArray: true };

/** A plan as the platform API answers it. */
export class PlanView {
  @ApiProperty({ example: 'starter' })
  code: string;

  @ApiProperty({ example: 'Starter' })
  name: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'bumped by every change; older terms: …/versions' })
  version: number;

  @ApiProperty({ type: PlanLimitsDto, description: 'a limit left out is unlimited' })
  limits: PlanLimitsDto;

  @ApiProperty(FEATURE_LIST)
  features: PlanFeature[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'tenants on this plan (offboarded ones left out)' })
  tenants: number;

  @TimeProperty()
  createdAt: string;

  @TimeProperty()
  updatedAt: string;
}

export function toPlanView(plan: Plan, tenants: number): PlanView {
  return {
    code: plan.code,
    name: plan.name,
    version: plan.version,
    limits: plan.limits,
    features: plan.features,
    tenants,
    createdAt: plan.createdAt.toISOString(),
    updatedAt: plan.updatedAt.toISOString(),
  };
}

/** One version of a plan's terms (never changed once written). */
export class PlanVersionView {
  @ApiProperty({ type: 'integer', minimum: 1 })
  version: number;

  @ApiProperty({ example: 'Starter' })
  name: string;

  @ApiProperty({ type: PlanLimitsDto })
  limits: PlanLimitsDto;

  @ApiProperty(FEATURE_LIST)
  features: PlanFeature[];

  @ApiProperty({ description: 'the platform user who wrote it (system: seeded)' })
  createdBy: string;

  @TimeProperty()
  createdAt: string;
}

export function toPlanVersionView(version: PlanVersion): PlanVersionView {
  return {
    version: version.version,
    name: version.name,
    limits: version.limits,
    features: version.features,
    createdBy: version.createdBy,
    createdAt: version.createdAt.toISOString(),
  };
}

/** Records in use, per counted limit. */
export class UsageCountsView {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'active users' })
  users: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  leads: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  deals: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'API keys not revoked' })
  apiKeys: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  customFields: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  webhooks: number;
}

/** GET /usage: the tenant's plan, its limits, what is in use, and its features. */
export class UsageView {
  @ApiProperty({ example: 'starter' })
  plan: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: "the plan's version in force" })
  planVersion: number;

  @ApiProperty({ type: PlanLimitsDto, description: 'a limit left out is unlimited' })
  limits: PlanLimitsDto;

  @ApiProperty({ type: UsageCountsView })
  used: UsageCountsView;

  @ApiProperty(FEATURE_LIST)
  features: PlanFeature[];
}
