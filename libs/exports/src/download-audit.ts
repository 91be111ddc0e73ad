import { AuditLog } from '@app/audit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientDetails, Requester } from './tenant-job';
import { requesterId } from './tenant-job';

/** One audit entry per download of a zip (a read, so no flush writes one by itself). */
export async function auditDownload(
  em: EntityManager,
  tenant: string,
  user: Requester,
  client: ClientDetails,
  entry: { action: string; entity: string; entityId: string; bytes: number },
): Promise<void> {
  em.create(AuditLog, {
    tenant,
    actorId: requesterId(user),
    actorRole: user.apiKey ? 'api_key' : user.role,
    impersonatorId: user.act?.sub ?? null,
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId,
    changes: { bytes: entry.bytes },
    outcome: 'success',
    ip: client.ip,
    userAgent: client.userAgent,
    requestId: client.requestId,
  });
  await em.flush();
}
