import type { FastifyRequest } from 'fastify';
import type { ResolvedTenant } from './resolved-tenant';

/** The request once the guards have resolved its tenant. */
export interface TenantRequest extends FastifyRequest {
  tenant?: ResolvedTenant;
}
