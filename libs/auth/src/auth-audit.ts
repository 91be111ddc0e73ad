import { describeError, normalizeEmail } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { ResolvedTenant } from '@app/tenancy';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/** Where a sign-in request came from, as the audit trail records it. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface AuthEvent {
  action: 'auth.login' | 'auth.refresh' | 'auth.logout';
  outcome: 'success' | 'denied';
  /** The user signing in; null when the e-mail is unknown. */
  user: { id: string; role: string } | null;
  /** The address attempted (lower case), for sign-ins only; never the password. */
  email?: string;
}

/** One successful action of the tenant's trail, written by auth itself (support sessions). */
export interface AuditRow {
  tenant: string;
  actorId: string | null;
  actorRole: string | null;
  impersonatorId?: string | null;
  action: string;
  entity: string;
  entityId: string;
  changes: Record<string, unknown>;
}

/**
 * Writes sign-in, refresh and sign-out entries into the tenant's own audit trail, where the
 * outcome is known. Refused attempts are written only after the sign-in throttle let them
 * through, so a flood of them (429s) never becomes a flood of writes. The database's chain
 * trigger gives every entry its place; an entry that cannot be written is logged, the
 * sign-in goes on.
 */
@Injectable()
export class AuthAudit {
  private readonly logger = new Logger('Audit');
  private readonly written: ((database: string) => void)[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Called with the tenant database's name after each entry (the audit lib anchors grown trails). */
  onWritten(listener: (database: string) => void): void {
    this.written.push(listener);
  }

  /**
   * Appends one entry through `em` — inside the caller's transaction, so the entry and the change
   * commit together; a failure fails the change (unlike a sign-in's entry).
   */
  async append(em: EntityManager, entry: AuditRow, client: ClientInfo): Promise<void> {
    if (!this.config.auditTrail) return;
    // EntityManager.execute runs in the manager's transaction (the connection's would take another connection).
    await em.execute(
      `insert into audit_logs (id, tenant, actor_id, actor_role, impersonator_id, action, entity, entity_id, changes, outcome, ip, user_agent, request_id)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, 'success', ?, ?, ?)`,
      [
        randomUUID(),
        entry.tenant,
        entry.actorId,
        entry.actorRole,
        entry.impersonatorId ?? null,
        entry.action,
        entry.entity,
        entry.entityId,
        JSON.stringify(entry.changes),
        client.ip,
        client.userAgent,
        client.requestId,
      ],
    );
    for (const listener of this.written) listener(String(em.config.get('dbName')));
  }

  async record(em: EntityManager, tenant: ResolvedTenant, event: AuthEvent, client: ClientInfo): Promise<void> {
    if (!this.config.auditTrail) return;
    const changes = event.email === undefined ? {} : { email: normalizeEmail(event.email).slice(0, 254) };
    try {
      await em.getConnection().execute(
        `insert into audit_logs (id, tenant, actor_id, actor_role, action, entity, entity_id, changes, outcome, ip, user_agent, request_id)
         values (?, ?, ?, ?, ?, 'user', ?, ?::jsonb, ?, ?, ?, ?)`,
        [
          randomUUID(),
          tenant.slug,
          event.user?.id ?? null,
          event.user?.role ?? null,
          event.action,
          event.user?.id ?? null,
          JSON.stringify(changes),
          event.outcome,
          client.ip,
          client.userAgent,
          client.requestId,
        ],
      );
      for (const listener of this.written) listener(String(em.config.get('dbName')));
    } catch (error) {
      this.logger.error(
        `could not write an ${event.action} audit entry for request ${client.requestId}: ${describeError(error)}`,
      );
    }
  }
}
