import type { EntityManager } from '@mikro-orm/postgresql';

/** A delivery taken for one attempt (its lease runs until `nextAttemptAt`). */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  attempts: number;
}

/** What an attempt sends: the event, and where and how to sign it. */
export interface DeliveryPayload {
  eventId: string;
  type: string;
  occurredAt: Date;
  data: unknown;
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

export interface AttemptRecord {
  delivery: ClaimedDelivery;
  ok: boolean;
  responseCode: number | null;
  ms: number;
  error?: string;
  /** Delay before the next attempt, or null: this was the last one. */
  retryInMs: number | null;
}

/** The relay's batch: how many events it handled and how many deliveries they made. */
export interface RelayBatch {
  events: number;
  deliveries: number;
  lastSeq: number;
}

/** A claimed delivery and what to send (none when its event left the 30-day log). */
export interface ClaimedAttempt {
  delivery: ClaimedDelivery;
  payload?: DeliveryPayload;
}

interface PayloadRow {
  id: string;
  event_id: string;
  type: string | null;
  occurred_at: Date;
  data: unknown;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

function toPayload(r: PayloadRow): DeliveryPayload {
  return {
    eventId: r.event_id,
    type: r.type!,
    occurredAt: new Date(r.occurred_at),
    data: r.data,
    url: r.url,
    secret: r.secret,
    previousSecret: r.previous_secret,
    previousSecretExpiresAt: r.previous_secret_expires_at ? new Date(r.previous_secret_expires_at) : null,
  };
}

const RELAY_BATCH = 500;
const DISABLE_AFTER = "interval '5 days'";

/**
 * The SQL of webhook delivery: statements on the tenant's own connection, each an invariant
 * held by the database (row locks, `SKIP LOCKED`, conditional updates), never read-then-write.
 */
export class WebhookDeliveryRepository {
  constructor(private readonly em: EntityManager) {}

  private run<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.em.getConnection().execute<T[]>(sql, params, 'all', this.em.getTransactionContext());
  }

  /**
   * Writes the deliveries of the next batch of outbox events (seq order) to the active endpoints
   * whose filter matches and which were created before the event, and moves the relay's cursor, in
   * one transaction under the cursor's row lock. Null when another relay holds it (SKIP LOCKED).
   */
  relayBatch(): Promise<RelayBatch | null> {
    return this.em.transactional(async (em) => {
      const tx = new WebhookDeliveryRepository(em);
      const [cursor] = await tx.run<{ last_seq: string }>(
        'select last_seq from webhook_relay where id = 1 for update skip locked',
      );
      if (!cursor) return null;
      const last = Number(cursor.last_seq);
      const [moved] = await tx.run<{ events: string; deliveries: string; upto: string | null }>(
        `with batch as (
           select seq, id, type, entity, entity_id from outbox where seq > ? and seq <= ? order by seq
         ), made as (
           insert into webhook_deliveries (id, endpoint_id, event_id, seq, entity_key, next_attempt_at)
           select gen_random_uuid(), e.id, b.id, b.seq, b.entity || ':' || b.entity_id, now()
           from batch b join webhook_endpoints e
             on e.active and b.seq > e.after_seq and (b.type = any(e.events) or b.entity || '.*' = any(e.events))
           on conflict do nothing
           returning 1
         )
         select (select count(*) from batch) as events, (select count(*) from made) as deliveries,
                (select max(seq) from batch) as upto`,
        [last, last + RELAY_BATCH],
      );
      const upto = moved.upto === null ? last : Number(moved.upto);
      if (upto > last) await tx.run('update webhook_relay set last_seq = ? where id = 1', [upto]);
      return { events: Number(moved.events), deliveries: Number(moved.deliveries), lastSeq: upto };
    });
  }

  /** The event log keeps 30 days: older events the relay has handled go, with finished deliveries of that age. */
  async prune(): Promise<void> {
    await this.run(
      `delete from outbox where occurred_at < now() - interval '30 days'
         and seq <= (select last_seq from webhook_relay where id = 1)`,
    );
    await this.run(
      `delete from webhook_deliveries where status <> 'pending' and created_at < now() - interval '30 days'`,
    );
  }

  /**
   * Takes up to `limit` due deliveries for one attempt each: oldest first, never one whose endpoint
   * and entity has an earlier delivery still pending (order per entity), at most `perEndpoint` more
   * per endpoint, none of the endpoints in `full`. The attempt's lease (`leaseMs`) is its
   * `next_attempt_at`: a process that dies mid-attempt leaves the delivery due again after it.
   */
  async claim(limit: number, perEndpoint: number, full: string[], leaseMs: number): Promise<ClaimedAttempt[]> {
    const candidates = await this.run<{ id: string; endpoint_id: string }>(
      `select d.id, d.endpoint_id from webhook_deliveries d
       join webhook_endpoints e on e.id = d.endpoint_id and e.active
       where d.status = 'pending' and d.next_attempt_at <= now() and not (d.endpoint_id = any(?::uuid[]))
         and not exists (select 1 from webhook_deliveries p where p.endpoint_id = d.endpoint_id
                           and p.entity_key = d.entity_key and p.status = 'pending' and p.seq < d.seq)
       order by d.seq limit ?`,
      [`{${full.join(',')}}`, limit * perEndpoint],
    );
    const taken = new Map<string, number>();
    const ids: string[] = [];
    for (const row of candidates) {
      const n = taken.get(row.endpoint_id) ?? 0;
      if (n >= perEndpoint || ids.length >= limit) continue;
      taken.set(row.endpoint_id, n + 1);
      ids.push(row.id);
    }
    if (!ids.length) return [];
    const rows = await this.run<PayloadRow & { endpoint_id: string; attempts: number }>(
      `with picked as (
         select id from webhook_deliveries where id = any(?::uuid[]) and status = 'pending' and next_attempt_at <= now()
         for update skip locked
       ), taken as (
         update webhook_deliveries d set attempts = d.attempts + 1,
           next_attempt_at = now() + make_interval(secs => ?::double precision / 1000)
         from picked where d.id = picked.id
         returning d.id, d.endpoint_id, d.event_id, d.attempts
       )
       select t.id, t.endpoint_id, t.event_id, t.attempts, o.type, o.occurred_at, o.data, e.url, e.secret,
              e.previous_secret, e.previous_secret_expires_at
       from taken t join webhook_endpoints e on e.id = t.endpoint_id left join outbox o on o.id = t.event_id`,
      [`{${ids.join(',')}}`, leaseMs],
    );
    return rows.map((r) => ({
      delivery: { id: r.id, endpointId: r.endpoint_id, eventId: r.event_id, attempts: r.attempts },
      payload: r.type === null ? undefined : toPayload(r),
    }));
  }

  /**
   * Logs the attempt and settles the delivery (succeeded, due again, or failed), only if it is
   * still this attempt's (a lease that ran out may have been taken again). A failure starts the
   * endpoint's failing clock, and an endpoint failing for 5 days without a success is disabled; a
   * success stops the clock.
   */
  async record(attempt: AttemptRecord): Promise<void> {
    const { delivery } = attempt;
    const settle = attempt.ok
      ? `update webhook_deliveries set status = 'succeeded', completed_at = now()
         where id = ? and attempts = ? and status = 'pending' returning 1`
      : attempt.retryInMs === null
        ? `update webhook_deliveries set status = 'failed', completed_at = now()
           where id = ? and attempts = ? and status = 'pending' returning 1`
        : `update webhook_deliveries set next_attempt_at = now() + make_interval(secs => ${Number(attempt.retryInMs)}::double precision / 1000)
           where id = ? and attempts = ? and status = 'pending' returning 1`;
    const endpoint = attempt.ok
      ? 'update webhook_endpoints set failing_since = null where id = ? and failing_since is not null'
      : `update webhook_endpoints set failing_since = coalesce(failing_since, now()),
           active = case when failing_since < now() - ${DISABLE_AFTER} then false else active end,
           disabled_at = case when active and failing_since < now() - ${DISABLE_AFTER} then now() else disabled_at end,
           disabled_reason = case when active and failing_since < now() - ${DISABLE_AFTER}
                                  then 'failing for 5 days' else disabled_reason end
         where id = ?`;
    // One statement: the attempt, the delivery and the endpoint change together or not at all.
    await this.run(
      `with logged as (
         insert into webhook_attempts (id, delivery_id, endpoint_id, event_id, attempt, status, response_code, ms, error)
         values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?) returning 1
       ), settled as (${settle})
       ${endpoint}`,
      [
        delivery.id,
        delivery.endpointId,
        delivery.eventId,
        delivery.attempts,
        attempt.ok ? 'succeeded' : 'failed',
        attempt.responseCode,
        attempt.ms,
        attempt.error ?? null,
        delivery.id,
        delivery.attempts,
        delivery.endpointId,
      ],
    );
  }

  /** When the next pending delivery of an active endpoint is due (null: none). */
  async nextDue(): Promise<Date | null> {
    const [row] = await this.run<{ at: Date | null }>(
      `select min(d.next_attempt_at) as at from webhook_deliveries d
       join webhook_endpoints e on e.id = d.endpoint_id and e.active where d.status = 'pending'`,
    );
    return row?.at ? new Date(row.at) : null;
  }
}
