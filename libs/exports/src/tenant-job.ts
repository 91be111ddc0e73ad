import { JobEnvelope, PermanentJobError } from '@app/jobs';
import { TenantDirectory, TenantOrmRegistry } from '@app/tenancy';

/** What a job of the `exports` and `privacy` queues carries besides its tenant. */
export interface RecordJob {
  id: string;
}

/** Re-enters the job's tenant (by slug, checked against its id) and runs `fn` in its context. */
export async function inJobTenant<T>(
  directory: TenantDirectory,
  registry: TenantOrmRegistry,
  job: JobEnvelope<RecordJob>,
  fn: () => Promise<T>,
): Promise<T> {
  const tenant = await directory.find(job.tenant);
  if (!tenant || tenant.id !== job.tenantId) throw new PermanentJobError(`no tenant ${job.tenant} with that id`);
  return registry.run(tenant, fn);
}

/** Who asked, as the audit trail names them. */
export interface Requester {
  sub: string;
  role: string;
  apiKey?: { id: string };
  /** A support session's platform user (the token's `act`). */
  act?: { sub: string };
}

export function requesterId(user: Requester): string {
  return user.apiKey ? `api-key:${user.apiKey.id}` : user.sub;
}

/** The caller's network details for an audit entry (the auth lib's `@Client()`). */
export interface ClientDetails {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}
