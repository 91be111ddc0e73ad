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

  @NullableText({
    format: 'uuid',
    description: 'in a support session: the platform user acting for `actorId` (else null)',
  })
  impersonatorId: string | null;

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
  firstBroken?: { seq: number; id: string; reason: ChainBreak };
}

/**
 * - `content-changed`: the entry's hash does not match its canonical text, or its `changes` no longer
 *   match the digest the hash covers (and no erasure redacted it);
 * - `link-broken`: its `prev_hash` is not the hash of the entry before it;
 * - `redaction-unrecorded`: it is marked redacted, but no earlier-written `privacy.erase` entry lists it.
 */
export type ChainBreak = 'content-changed' | 'link-broken' | 'redaction-unrecorded';

function toView(log: AuditLog): AuditLogView {
  return {
    id: log.id,
    seq: Number(log.seq),
    at: log.at.toISOString(),
    actorId: log.actorId ?? null,
    actorRole: log.actorRole ?? null,
    impersonatorId: log.impersonatorId ?? null,
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

/**
 * Walks the hash chain in the database; the first entry that does not match is reported. An entry's
 * hash covers its digest of `changes` (Migration20261207181000), so a redacted entry (personal
 * values erased) keeps its hash; its changed `changes` are accepted only when a `privacy.erase`
 * entry, itself in the chain, lists it.
 */
export async function verifyAuditChain(em: EntityManager): Promise<ChainReport> {
  const connection = em.getConnection();
  const [{ count }]: { count: string }[] = await connection.execute('select count(*) as count from audit_logs');
  // content_ok: the hash matches the canonical text (which names the digest), and the digest matches `changes`
  // unless an erasure redacted them. An entry from before digests that was redacted keeps only its links checked.
  const [broken]: { seq: string; id: string; reason: ChainBreak }[] = await connection.execute(`
      select seq, id,
             case when not content_ok then 'content-changed'
                  when prev_hash <> previous then 'link-broken'
                  else 'redaction-unrecorded' end as reason
        from (select seq, id, hash, prev_hash,
                     coalesce(lag(hash) over (order by seq), 'genesis') as previous,
                     case when a.redacted_by is not null and a.changes_digest is null then true
                          else a.hash = encode(sha256(convert_to(audit_logs_canonical(a), 'UTF8')), 'hex')
                               and (a.redacted_by is not null or a.changes_digest is null
                                    or a.changes_digest is not distinct from audit_logs_changes_digest(a.changes_salt, a.changes))
                     end as content_ok,
                     a.redacted_by is null or exists (
                       select 1 from audit_logs e
                        where e.id = a.redacted_by and e.action = 'privacy.erase' and e.seq > a.seq
                          and e.changes -> 'redactedEntries' @> jsonb_build_array(a.id::text)) as redaction_ok
                from audit_logs a) chain
       where not content_ok or prev_hash <> previous or not redaction_ok
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
    if (query.impersonatorId) where.impersonatorId = query.impersonatorId;
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
