import { Access, SUPER_ADMINS } from '@app/auth';
import { ApiPage, Page, pageOf, pageWindow, postgresTimestamp } from '@app/common';
import { WithoutTenant } from '@app/tenancy';
import { MikroORM } from '@mikro-orm/postgresql';
import { Controller, Get, Injectable, Query } from '@nestjs/common';
import { ApiOperation, ApiTags, OmitType } from '@nestjs/swagger';
import type { AuditOutcome } from './audit-log.entity';
import { AuditLogView } from './audit-logs.service';
import { ListAuditLogsQuery } from './dto/list-audit-logs.query';

/** The platform trail's filters: those of a tenant's trail (support sessions are the tenants' own). */
export class ListPlatformAuditLogsQuery extends OmitType(ListAuditLogsQuery, ['impersonatorId'] as const) {}

interface PlatformAuditRow {
  id: string;
  seq: string;
  at: Date;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  entity: string | null;
  entity_id: string | null;
  changes: Record<string, unknown>;
  outcome: AuditOutcome;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

/** Reads the platform trail (`platform_audit_logs` in the catalog: append-only, written by AuditRecorder). */
@Injectable()
export class PlatformAuditLogsService {
  constructor(private readonly catalog: MikroORM) {}

  async list(query: ListPlatformAuditLogsQuery): Promise<Page<AuditLogView>> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (sql: string, value: unknown) => {
      conditions.push(sql);
      params.push(value);
    };
    if (query.actorId) where('actor_id = ?', query.actorId);
    if (query.action) where('action = ?', query.action);
    if (query.entity) where('entity = ?', query.entity);
    if (query.entityId) where('entity_id = ?', query.entityId);
    if (query.outcome) where('outcome = ?', query.outcome);
    if (query.from) where('at >= ?::timestamptz', postgresTimestamp(new Date(query.from)));
    if (query.to) where('at < ?::timestamptz', postgresTimestamp(new Date(query.to)));
    const filter = conditions.length ? `where ${conditions.join(' and ')}` : '';
    const direction = query.sort === 'at' ? 'asc' : 'desc';
    const { offset, limit } = pageWindow(query);
    const connection = this.catalog.em.getConnection();
    const [[{ total }], rows] = await Promise.all([
      connection.execute<{ total: string }[]>(`select count(*) as total from platform_audit_logs ${filter}`, params),
      connection.execute<PlatformAuditRow[]>(
        `select * from platform_audit_logs ${filter} order by at ${direction}, seq ${direction} limit ? offset ?`,
        [...params, limit, offset],
      ),
    ]);
    return pageOf(query, [rows, Number(total)], toView);
  }
}

function toView(row: PlatformAuditRow): AuditLogView {
  return {
    id: row.id,
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    actorId: row.actor_id,
    actorRole: row.actor_role,
    impersonatorId: null,
    action: row.action,
    entity: row.entity,
    entityId: row.entity_id,
    changes: row.changes,
    outcome: row.outcome,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
  };
}

@ApiTags('platform')
@WithoutTenant()
@Access({ roles: SUPER_ADMINS })
@Controller('platform/audit-logs')
export class PlatformAuditLogsController {
  constructor(private readonly logs: PlatformAuditLogsService) {}

  @ApiOperation({
    operationId: 'listPlatformAuditLogs',
    summary: 'List the platform trail: onboarding, lifecycle, plans, relocations, support access',
  })
  @ApiPage(AuditLogView)
  @Get()
  list(@Query() query: ListPlatformAuditLogsQuery): Promise<Page<AuditLogView>> {
    return this.logs.list(query);
  }
}
