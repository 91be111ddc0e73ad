import type { PlanFeature } from '@app/catalog';
import { SetMetadata } from '@nestjs/common';

export const PLAN_FEATURE = 'tessera:plan-feature';

/**
 * The route (or controller) is part of a plan feature: for a tenant whose plan lacks it, the
 * request is refused with 403 feature-not-in-plan before its handler runs (TenantContextInterceptor).
 */
export const PlanFeatureRoute = (feature: PlanFeature) => SetMetadata(PLAN_FEATURE, feature);
