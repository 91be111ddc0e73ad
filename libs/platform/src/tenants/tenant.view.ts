import { TENANT_STATUSES, type Tenant, type TenantStatus } from '@app/catalog';
import { IdProperty, NullableText, TimeProperty } from '@app/common';
import { TENANT_SLUG_PATTERN } from '@app/tenancy';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One completed step of onboarding (or offboarding). */
export class TenantStep {
  @ApiProperty({ example: 'database' })
  step: string;

  @TimeProperty()
  at: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'how long the step took, in ms' })
  ms: number;
}

/** A tenant as the platform API answers it. */
export class TenantView {
  @IdProperty()
  id: string;

  @ApiProperty({ pattern: TENANT_SLUG_PATTERN.source, example: 'acme' })
  slug: string;

  @ApiProperty({ example: 'Acme Corp' })
  name: string;

  @ApiProperty({ example: 'standard' })
  plan: string;

  @ApiProperty({ enum: TENANT_STATUSES, enumName: 'TenantStatus' })
  status: TenantStatus;

  @ApiProperty({ description: 'the database server the tenant lives on', example: 'default' })
  dbServer: string;

  @TimeProperty()
  createdAt: string;

  @TimeProperty({ nullable: true })
  activatedAt: string | null;

  @NullableText({ description: 'the last tenant migration applied' })
  schemaVersion: string | null;

  @ApiProperty({ type: [TenantStep], description: 'completed steps of the provisioning saga (and offboarding)' })
  steps: TenantStep[];

  @TimeProperty({ nullable: true })
  suspendedAt: string | null;

  @TimeProperty({ nullable: true })
  offboardedAt: string | null;

  @ApiPropertyOptional({ description: 'why onboarding or offboarding failed (only while not active)' })
  error?: string;
}

export function toTenantView(tenant: Tenant): TenantView {
  const view: TenantView = {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    plan: tenant.plan,
    status: tenant.status,
    dbServer: tenant.dbServer.name,
    createdAt: tenant.createdAt.toISOString(),
    activatedAt: tenant.activatedAt?.toISOString() ?? null,
    schemaVersion: tenant.schemaVersion ?? null,
    steps: tenant.steps,
    suspendedAt: tenant.suspendedAt?.toISOString() ?? null,
    offboardedAt: tenant.offboardedAt?.toISOString() ?? null,
  };
  if (tenant.lastError && tenant.status !== 'active') view.error = tenant.lastError;
  return view;
}
