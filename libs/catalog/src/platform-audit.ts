import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';

/** One entry of the platform trail (`platform_audit_logs`, append-only; `at` and `seq` are the database's). */
export interface PlatformAuditEntry {
  actorId: string | null;
  actorRole: string | null;
  action: string;
  entity: string | null;
  entityId: string | null;
  changes: Record<string, unknown>;
  outcome: 'success' | 'denied' | 'failed';
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** Appends an entry to the platform trail through the catalog's entity manager. */
export async function appendPlatformAudit(catalog: EntityManager, entry: PlatformAuditEntry): Promise<void> {
  await catalog.getConnection().execute(
    `insert into platform_audit_logs (id, actor_id, actor_role, action, entity, entity_id, changes, outcome, ip, user_agent, request_id)
     values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)`,
    [
      randomUUID(),
      entry.actorId,
      entry.actorRole,
      entry.action,
      entry.entity,
      entry.entityId,
      JSON.stringify(entry.changes),
      entry.outcome,
      entry.ip,
      entry.userAgent,
      entry.requestId,
    ],
  );
}
