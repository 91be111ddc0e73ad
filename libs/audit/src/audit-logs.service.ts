import { IdProperty, NullableText, Page, pageOf, pageWindow, postgresTimestamp, TimeProperty } from '@app/common';
import { TenantContext } from '@app/tenancy';
import { EntityManager, FilterQuery, raw } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_OUTCOMES, AuditLog, type AuditOutcome } from './audit-log.entity';
import { ListAuditLogsQuery } from './dto/list-audit-logs.query';

/** One entry of a tenant's audit trail. */
export class AuditLogView {
  @IdProperty()
  id: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'position in the hash chain' })
  seq: number;

  @TimeProperty()
  at: string;

  @NullableText({ description: 'the user id, `api-key:<key id>` for an API key, or null when anonymous' })
  actorId: string | null;

  @NullableText()
  actorRole: string | null;

  @ApiProperty({ example: 'lead.update' })
  action: string;

  @NullableText({ example: 'lead' })
  entity: string | null;

  @NullableText()
  entityId: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'what changed: fields before and after (secrets redacted)',
  })
  changes: Record<string, unknown>;

  @ApiProperty({ enum: AUDIT_OUTCOMES, enumName: 'AuditOutcome' })
  outcome: AuditOutcome;

  @NullableText()
  ip: string | null;

  @NullableText()
  userAgent: string | null;

  @NullableText()
  requestId: string | null;
}

export interface ChainReport {
  entries: number;
  ok: boolean;
  /** The first entry whose link or content does not match. */
  firstBroken?: { seq: number; id: string; reason: 'content-changed' | 'link-broken' };
}

function toView(log: AuditLog): AuditLogView {
  return {
    id: log.id,
    seq: Number(log.seq),
    at: log.at.toISOString(),
    actorId: log.actorId ?? null,
    actorRole: log.actorRole ?? null,
    action: log.action,
    entity: log.entity ?? null,
    entityId: log.entityId ?? null,
    changes: log.changes,
    outcome: log.outcome,
    ip: log.ip ?? null,
    userAgent: log.userAgent ?? null,
    requestId: log.requestId ?? null,
  };
}

/** Walks the hash chain in the database; the first entry that does not match is reported. */
export async function verifyAuditChain(em: EntityManager): Promise<ChainReport> {
  const connection = em.getConnection();
  const [{ count }]: { count: string }[] = await connection.execute('select count(*) as count from audit_logs');
  const [broken]: { seq: string; id: string; reason: 'content-changed' | 'link-broken' }[] = await connection.execute(`
      select seq, id, case when hash <> expected then 'content-changed' else 'link-broken' end as reason
        from (select seq, id, hash, prev_hash,
                     coalesce(lag(hash) over (order by seq), 'genesis') as previous,
                     encode(sha256(convert_to(audit_logs_canonical(a), 'UTF8')), 'hex') as expected
                from audit_logs a) chain
       where hash <> expected or prev_hash <> previous
       order by seq
       limit 1`);
  return broken
    ? {
        entries: Number(count),
        ok: false,
        firstBroken: { seq: Number(broken.seq), id: broken.id, reason: broken.reason },
      }
    : { entries: Number(count), ok: true };
}

@Injectable()
export class AuditLogsService {
  constructor(private readonly tenancy: TenantContext) {}

  async list(query: ListAuditLogsQuery): Promise<Page<AuditLogView>> {
    const where: FilterQuery<AuditLog> = {};
    if (query.actorId) where.actorId = query.actorId;
    if (query.action) where.action = query.action;
    if (query.entity) where.entity = query.entity;
    if (query.entityId) where.entityId = query.entityId;
    if (query.outcome) where.outcome = query.outcome;
    // The ORM inlines a Date as toISOString(): year 0000 for an instant in 1 BC, which PostgreSQL refuses.
    const instant = (value: string) => raw('?', [postgresTimestamp(new Date(value))]);
    if (query.from || query.to)
      where.at = { ...(query.from && { $gte: instant(query.from) }), ...(query.to && { $lt: instant(query.to) }) };
    const direction = query.sort === 'at' ? 'asc' : 'desc';
    const found = await this.tenancy.em.findAndCount(AuditLog, where, {
      orderBy: [{ at: direction }, { seq: direction }],
      ...pageWindow(query),
    });
    return pageOf(query, found, toView);
  }
}
