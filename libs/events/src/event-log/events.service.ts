import type { Principal } from '@app/auth';
import { TenantContext } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { EventPage, EventType, EventView } from './event.view';
import { ListEventsQuery } from './list-events.query';

/** The log shows the last 30 days; older events wait for the relay's pruning. */
const WINDOW = `occurred_at > now() - interval '30 days'`;
/** `total` counts at most this many events after the cursor (a count of a long log is not free). */
export const TOTAL_CAP = 10_000;

interface OutboxRow {
  seq: string;
  id: string;
  type: EventType;
  occurred_at: Date;
  data: Record<string, unknown>;
}

/** Staff see the events of records they owned before or after the change (`visible_to`); others see all. */
export function staffScope(principal: Principal): string | undefined {
  return principal.role === 'staff' ? principal.sub : undefined;
}

export function toEventView(row: OutboxRow): EventView {
  return {
    seq: Number(row.seq),
    id: row.id,
    type: row.type,
    occurredAt: new Date(row.occurred_at).toISOString(),
    data: row.data,
  };
}

/** Reads the tenant's outbox as its 30-day event log, in seq order (no ORM entities: a plain read). */
@Injectable()
export class EventsService {
  constructor(private readonly tenancy: TenantContext) {}

  async list(principal: Principal, query: ListEventsQuery): Promise<EventPage> {
    const after = Number(query.after ?? '0');
    const staff = staffScope(principal);
    const [data, total] = await Promise.all([this.after(after, query.limit, staff), this.count(after, staff)]);
    return {
      data,
      meta: { page: 1, limit: query.limit, total, nextAfter: data.at(-1)?.seq ?? after },
    };
  }

  /** Events with a seq above `after`, oldest first, those a staff member may see when `staff` is set. */
  async after(after: number, limit: number, staff?: string): Promise<EventView[]> {
    const rows = await this.tenancy.rootEm.getConnection().execute<OutboxRow[]>(
      `select seq, id, type, occurred_at, data from outbox
          where seq > ? and ${WINDOW}${staff ? ' and visible_to @> array[?]::uuid[]' : ''}
          order by seq limit ?`,
      staff ? [after, staff, limit] : [after, limit],
    );
    return rows.map(toEventView);
  }

  /** Every event after `after` with who among staff may see it (the stream's shared poller filters per client). */
  async audience(after: number, limit: number): Promise<{ event: EventView; visibleTo: string[] }[]> {
    const rows = await this.tenancy.rootEm.getConnection().execute<(OutboxRow & { visible_to: string[] })[]>(
      `select seq, id, type, occurred_at, data, visible_to::text[] as visible_to from outbox
          where seq > ? and ${WINDOW} order by seq limit ?`,
      [after, limit],
    );
    return rows.map((row) => ({ event: toEventView(row), visibleTo: row.visible_to }));
  }

  /** The last seq handed out: a stream with no cursor starts there. */
  async head(): Promise<number> {
    const [row] = await this.tenancy.rootEm
      .getConnection()
      .execute<{ last_seq: string }[]>('select last_seq from outbox_head where id = 1');
    return Number(row?.last_seq ?? 0);
  }

  private async count(after: number, staff?: string): Promise<number> {
    const [row] = await this.tenancy.rootEm.getConnection().execute<{ n: string }[]>(
      `select count(*) as n from (select 1 from outbox
          where seq > ? and ${WINDOW}${staff ? ' and visible_to @> array[?]::uuid[]' : ''}
          limit ${TOTAL_CAP}) capped`,
      staff ? [after, staff] : [after],
    );
    return Number(row.n);
  }
}
