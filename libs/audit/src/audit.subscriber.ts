import {
  ChangeSet,
  ChangeSetType,
  EntityManager,
  type EntityProperty,
  EventSubscriber,
  FlushEventArgs,
  JsonType,
  TransactionEventArgs,
} from '@mikro-orm/core';
import { IdempotencyErrors } from '@app/auth';
import { randomUUID } from 'node:crypto';
import { auditEntity, changeAction } from './audit-action';
import { AuditContext, AuditDraft } from './audit-context';
import { AuditLog } from './audit-log.entity';
import { isNoise, isSecretField, REDACTED, redact } from './redaction';

type Diff = Record<string, { before?: unknown; after?: unknown }>;

function plain(value: unknown, json = false): unknown {
  // A json property's payload is its serialized text: the diff keeps the document (custom fields).
  if (json && typeof value === 'string') {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value instanceof Date ? value.toISOString() : value;
}

/** Field-level before/after of one change set, without secrets or timestamps. */
export function diffOf(cs: ChangeSet<object>): Diff {
  const diff: Diff = {};
  const entity = cs.entity as Record<string, unknown>;
  // A delete change set carries no original data: the entity being removed holds the last values.
  const before =
    cs.type === ChangeSetType.DELETE
      ? Object.fromEntries(
          cs.meta.props.filter((p) => p.persist !== false && p.kind === 'scalar').map((p) => [p.name, entity[p.name]]),
        )
      : ((cs.originalEntity ?? {}) as Record<string, unknown>);
  const after = (cs.type === ChangeSetType.DELETE ? {} : cs.payload) as Record<string, unknown>;
  const fields = cs.type === ChangeSetType.DELETE ? Object.keys(before) : Object.keys(after);
  for (const field of fields) {
    if (isNoise(field)) continue;
    if (isSecretField(field)) {
      diff[field] = { after: REDACTED };
      continue;
    }
    const entry: { before?: unknown; after?: unknown } = {};
    const json =
      (cs.meta.properties as Record<string, EntityProperty | undefined>)[field]?.customType instanceof JsonType;
    if (cs.type !== ChangeSetType.CREATE) entry.before = redact(plain(before[field], json));
    if (cs.type !== ChangeSetType.DELETE) entry.after = redact(plain(after[field], json));
    diff[field] = entry;
  }
  return diff;
}

interface PendingEntry {
  id: string;
  tenant: string;
  actorId: string;
  actorRole: string;
  impersonatorId: string | null;
  action: string;
  entity: string;
  entityId: string;
  changes: Diff;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** A request's Idempotency-Key to record in the transaction, with what the request wrote first. */
interface PendingCommit {
  draft: AuditDraft;
  key: string;
  fingerprint: string;
  entity: string;
  entityId: string;
}

/**
 * Records the key, or finds it recorded by an earlier attempt (then no row comes back). A key
 * past the 24 h replay window is taken over, and up to 20 other expired keys go with each
 * insert (SKIP LOCKED: two inserts never wait on each other's pruning).
 */
const RECORD_COMMIT = `with pruned as (
    delete from idempotency_commits where key in (
      select key from idempotency_commits where created_at < now() - interval '24 hours' and key <> ?
       order by created_at limit 20 for update skip locked))
  insert into idempotency_commits as c (key, fingerprint, entity, entity_id) values (?, ?, ?, ?)
  on conflict (key) do update set fingerprint = excluded.fingerprint, entity = excluded.entity,
     entity_id = excluded.entity_id, created_at = now()
   where c.created_at < now() - interval '24 hours'
  returning key`;

// `at`, `seq`, `prev_hash` and `hash` are the chain trigger's: the runtime role may not insert them.
const COLUMNS = [
  'id',
  'tenant',
  'actor_id',
  'actor_role',
  'impersonator_id',
  'action',
  'entity',
  'entity_id',
  'changes',
  'outcome',
  'ip',
  'user_agent',
  'request_id',
];

/**
 * Writes one audit entry per changed entity into the transaction of the change: a change never
 * lands without its entry, and an entry never outlives a rolled-back change. The entries are
 * computed at flush and inserted just before COMMIT, so the hash chain's per-tenant lock is held
 * only for the commit itself. Outside a request (provisioning, jobs) the actor is `system`.
 */
export class AuditSubscriber implements EventSubscriber {
  private readonly pending = new WeakMap<EntityManager, PendingEntry[]>();
  private readonly commits = new WeakMap<EntityManager, PendingCommit>();
  /** Transactions (by their entity manager) that write audit entries: their tenant's chain grows at commit. */
  private readonly writing = new WeakSet<EntityManager>();

  constructor(private readonly context: AuditContext) {}

  onFlush(args: FlushEventArgs): void {
    if (!this.context.enabled) return;
    if (args.uow.getChangeSets().some((cs) => cs.meta.class === AuditLog)) this.writing.add(args.em); // the audit recorder's entries
    const changeSets = args.uow.getChangeSets().filter((cs) => cs.meta.class !== AuditLog && !cs.meta.embeddable);
    if (!changeSets.length) return;
    const draft = this.context.current();
    if (draft) draft.written = true;
    const entries = this.pending.get(args.em) ?? [];
    for (const cs of changeSets) {
      const entity = auditEntity(cs.meta.className);
      const diff = diffOf(cs as ChangeSet<object>);
      if (cs.type === ChangeSetType.UPDATE && !Object.keys(diff).length) continue;
      entries.push({
        id: randomUUID(),
        tenant: draft?.tenant ?? String(args.em.config.get('dbName')),
        actorId: draft?.actorId ?? 'system',
        actorRole: draft?.actorRole ?? 'system',
        impersonatorId: draft?.impersonatorId ?? null,
        action: draft?.action ?? changeAction(entity, cs.type),
        entity,
        entityId: String(cs.getPrimaryKey() ?? ''),
        changes: diff,
        ip: draft?.ip ?? null,
        userAgent: draft?.userAgent ?? null,
        requestId: draft?.requestId ?? null,
      });
    }
    if (entries.length) this.pending.set(args.em, entries);
    if (draft?.idempotency && entries.length && !this.commits.has(args.em)) {
      // Where a retry's 409 points: what the request created, else what it changed first.
      const first = changeSets.find((cs) => cs.type === ChangeSetType.CREATE) ?? changeSets[0];
      this.commits.set(args.em, {
        draft,
        ...draft.idempotency,
        entity: auditEntity(first.meta.className),
        entityId: String(first.getPrimaryKey() ?? ''),
      });
    }
  }

  async beforeTransactionCommit(args: TransactionEventArgs): Promise<void> {
    const entries = this.pending.get(args.em);
    if (!entries?.length) return;
    await this.recordCommit(args);
    this.pending.delete(args.em);
    this.writing.add(args.em);
    const row = `(${COLUMNS.map((c) => (c === 'changes' ? '?::jsonb' : '?')).join(', ')})`;
    const params = entries.flatMap((e) => [
      e.id,
      e.tenant,
      e.actorId,
      e.actorRole,
      e.impersonatorId,
      e.action,
      e.entity,
      e.entityId,
      JSON.stringify(e.changes),
      'success',
      e.ip,
      e.userAgent,
      e.requestId,
    ]);
    await args.em
      .getConnection()
      .execute(
        `insert into audit_logs (${COLUMNS.join(', ')}) values ${entries.map(() => row).join(', ')}`,
        params,
        'run',
        args.transaction,
      );
  }

  /**
   * The request's Idempotency-Key joins its transaction: a second attempt with the key (its first
   * instance died before the ledger kept the answer) fails here and rolls back, whatever ran first.
   */
  private async recordCommit(args: TransactionEventArgs): Promise<void> {
    const commit = this.commits.get(args.em);
    if (!commit || !commit.draft.idempotency) return;
    this.commits.delete(args.em);
    const connection = args.em.getConnection();
    const recorded = await connection.execute<{ key: string }[]>(
      RECORD_COMMIT,
      [commit.key, commit.key, commit.fingerprint, commit.entity, commit.entityId],
      'all',
      args.transaction,
    );
    if (recorded.length) {
      commit.draft.idempotency = undefined; // one record per request, by its first committing transaction
      return;
    }
    const [earlier] = await connection.execute<{ fingerprint: string; entity: string; entity_id: string }[]>(
      'select fingerprint, entity, entity_id from idempotency_commits where key = ?',
      [commit.key],
      'all',
      args.transaction,
    );
    if (earlier && earlier.fingerprint !== commit.fingerprint) throw IdempotencyErrors.reused();
    throw IdempotencyErrors.committed(earlier?.entity ?? commit.entity, earlier?.entity_id ?? commit.entityId);
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    if (!this.writing.has(args.em)) return;
    this.writing.delete(args.em);
    this.context.markGrown(String(args.em.config.get('dbName')));
  }

  afterTransactionRollback(args: TransactionEventArgs): void {
    this.pending.delete(args.em);
    this.commits.delete(args.em);
    this.writing.delete(args.em);
  }
}
