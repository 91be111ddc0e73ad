import { diffOf } from '@app/audit';
import {
  ChangeSet,
  ChangeSetType,
  EntityManager,
  EventSubscriber,
  FlushEventArgs,
  TransactionEventArgs,
} from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { EventSource } from './event-source';
import { OutboxSignal, outboxSignal } from './outbox-signal';

interface PendingEvent {
  id: string;
  type: string;
  entity: string;
  entityId: string;
  visibleTo: Set<string>;
  data: object;
  /** The source's rank of the type (lower: more specific). */
  rank: number;
}

/**
 * The transaction's events get their seqs and rows in one statement, just before COMMIT: the
 * `outbox_head` row lock is then held only for the commit itself, and seqs come out gap-free and in
 * commit order (a later committer waits for the lock, and reads the earlier one's last_seq).
 */
const ROW = '(?::uuid, ?, ?, ?::uuid, ?::uuid[], ?::jsonb, ?::int)';
const insertEvents = (n: number) => `with head as (
    update outbox_head set last_seq = last_seq + ${n} where id = 1 returning last_seq)
  insert into outbox (seq, id, type, entity, entity_id, visible_to, data)
  select head.last_seq - ${n} + e.ord, e.id, e.type, e.entity, e.entity_id, e.visible_to, e.data
    from head, (values ${Array.from({ length: n }, () => ROW).join(', ')}) as e(id, type, entity, entity_id, visible_to, data, ord)
  returning seq`;

/**
 * Writes one outbox event per changed record into the transaction of the change, like the audit
 * subscriber writes its entry: computed at flush (per entity manager), inserted just before COMMIT,
 * dropped with a rollback; after COMMIT `outboxSignal` wakes the relay and the streams. An update
 * whose only changes are noise (updatedAt) writes none.
 */
export class OutboxSubscriber implements EventSubscriber {
  private readonly pending = new WeakMap<EntityManager, Map<string, PendingEvent>>();
  private readonly committed = new WeakMap<EntityManager, number>();
  private readonly sources: Map<unknown, EventSource<object>>;

  constructor(
    sources: EventSource<object>[],
    private readonly signal: OutboxSignal = outboxSignal,
  ) {
    this.sources = new Map(sources.map((source) => [source.entity, source]));
  }

  onFlush(args: FlushEventArgs): void {
    if (!this.signal.recording) return;
    let events: Map<string, PendingEvent> | undefined;
    for (const cs of args.uow.getChangeSets() as ChangeSet<object>[]) {
      const source = cs.meta.class ? this.sources.get(cs.meta.class) : undefined;
      if (!source) continue;
      if (cs.type === ChangeSetType.UPDATE && !Object.keys(diffOf(cs)).length) continue;
      events ??= this.pending.get(args.em) ?? new Map<string, PendingEvent>();
      this.merge(events, source, cs, String(args.em.config.get('dbName')));
    }
    if (events?.size) this.pending.set(args.em, events);
  }

  /** One event per record per transaction: the most specific type, the latest view, every owner seen. */
  private merge(
    events: Map<string, PendingEvent>,
    source: EventSource<object>,
    cs: ChangeSet<object>,
    database: string,
  ): void {
    const entityId = String(cs.getPrimaryKey() ?? '');
    const key = `${source.name}:${entityId}`;
    const type = source.type(cs);
    const next: PendingEvent = {
      id: randomUUID(),
      type,
      entity: source.name,
      entityId,
      visibleTo: new Set(source.visibleTo(cs)),
      data: source.view(cs.entity, database),
      rank: source.types.indexOf(type),
    };
    const earlier = events.get(key);
    if (!earlier) {
      events.set(key, next);
      return;
    }
    for (const id of earlier.visibleTo) next.visibleTo.add(id);
    if (earlier.type.endsWith('.created') && cs.type === ChangeSetType.DELETE) {
      events.delete(key); // created and deleted in one transaction: nothing outside ever saw it
      return;
    }
    const keepType =
      cs.type !== ChangeSetType.DELETE && (earlier.type.endsWith('.created') || earlier.rank < next.rank);
    events.set(key, keepType ? { ...next, id: earlier.id, type: earlier.type, rank: earlier.rank } : next);
  }

  async beforeTransactionCommit(args: TransactionEventArgs): Promise<void> {
    const events = this.pending.get(args.em);
    if (!events?.size) return;
    this.pending.delete(args.em);
    const list = [...events.values()];
    const params = list.flatMap((e, i) => [
      e.id,
      e.type,
      e.entity,
      e.entityId,
      `{${[...e.visibleTo].join(',')}}`, // an array literal: the driver would spread a JS array into a list
      JSON.stringify(e.data),
      i + 1,
    ]);
    const rows = await args.em
      .getConnection()
      .execute<{ seq: string }[]>(insertEvents(list.length), params, 'all', args.transaction);
    this.committed.set(args.em, Math.max(...rows.map((row: { seq: string }) => Number(row.seq))));
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    const lastSeq = this.committed.get(args.em);
    if (lastSeq === undefined) return;
    this.committed.delete(args.em);
    this.signal.committed(String(args.em.config.get('dbName')), lastSeq);
  }

  afterTransactionRollback(args: TransactionEventArgs): void {
    this.pending.delete(args.em);
    this.committed.delete(args.em);
  }
}
