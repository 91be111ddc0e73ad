import { appendPlatformAudit } from '@app/catalog';
import { describeError } from '@app/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AuthAudit, type ClientInfo } from '../auth-audit';

export type SupportVerb = 'request' | 'approve' | 'deny' | 'start' | 'end';

/** One move of a support session, as both trails record it. */
export interface SupportMove {
  verb: SupportVerb;
  tenant: string;
  sessionId: string;
  /** Who moved it: a platform user (`super_admin`), a company admin, or `system`. */
  actor: { id: string | null; role: string };
  changes: Record<string, unknown>;
}

/**
 * Both trails of support access: the tenant's (`support_session.<verb>`, in the move's own
 * transaction) and the platform's (`platform.impersonation.<verb>` in the catalog, after the
 * commit): request, approval or denial, start and end.
 */
@Injectable()
export class SupportAccessAudit {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly audit: AuthAudit,
    private readonly catalog: MikroORM,
  ) {}

  /** The tenant's entry, through the transaction that makes the move. */
  async inTenant(tx: EntityManager, move: SupportMove, client: ClientInfo): Promise<void> {
    await this.audit.append(
      tx,
      {
        tenant: move.tenant,
        actorId: move.actor.id,
        actorRole: move.actor.role,
        action: `support_session.${move.verb}`,
        entity: 'support_session',
        entityId: move.sessionId,
        changes: move.changes,
      },
      client,
    );
  }

  /** The platform's entry, once the move committed; a failure is logged (the move stands). */
  async onPlatform(move: SupportMove, client: ClientInfo): Promise<void> {
    try {
      await appendPlatformAudit(this.catalog.em, {
        actorId: move.actor.id,
        actorRole: move.actor.role,
        action: `platform.impersonation.${move.verb}`,
        entity: 'impersonation',
        entityId: move.sessionId,
        changes: { tenant: move.tenant, ...move.changes },
        outcome: 'success',
        ip: client.ip,
        userAgent: client.userAgent,
        requestId: client.requestId,
      });
    } catch (error) {
      this.logger.error(
        `could not write platform.impersonation.${move.verb} for request ${client.requestId}: ${describeError(error)}`,
      );
    }
  }
}
