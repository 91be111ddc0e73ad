import { ChangeSet, ChangeSetType, EventSubscriber, FlushEventArgs } from '@mikro-orm/core';
import { AuditContext } from './audit-context';
import { AuditLog } from './audit-log.entity';
import { isNoise, isSecretField, REDACTED, redact } from './redaction';

type Diff = Record<string, { before?: unknown; after?: unknown }>;

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function plain(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

/** Field-level before/after of one change set, without secrets or timestamps. */
export function diffOf(cs: ChangeSet<object>): Diff {
  const diff: Diff = {};
  const entity = cs.entity as Record<string, unknown>;
  // A delete change set carries no original data: the entity being removed holds the last values.
  const before =
    cs.type === ChangeSetType.DELETE
      ? Object.fromEntries(cs.meta.props.filter((p) => p.persist !== false && p.kind === 'scalar').map((p) => [p.name, entity[p.name]]))
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
    if (cs.type !== ChangeSetType.CREATE) entry.before = redact(plain(before[field]));
    if (cs.type !== ChangeSetType.DELETE) entry.after = redact(plain(after[field]));
    diff[field] = entry;
  }
  return diff;
}

/**
 * Writes one audit entry per changed entity into the same flush, hence the same transaction,
 * as the change: a change never lands without its entry, and an entry never outlives a rolled
 * back change. Outside a request (provisioning, jobs) the actor is `system`.
 */
export class AuditSubscriber implements EventSubscriber {
  constructor(private readonly context: AuditContext) {}

  async onFlush(args: FlushEventArgs): Promise<void> {
    if (!this.context.enabled) return;
    const changeSets = args.uow.getChangeSets().filter((cs) => cs.meta.class !== AuditLog && !cs.meta.embeddable);
    if (!changeSets.length) return;
    const draft = this.context.current();
    if (draft) draft.written = true;
    for (const cs of changeSets) {
      const entity = snake(cs.meta.className);
      const diff = diffOf(cs as ChangeSet<object>);
      if (cs.type === ChangeSetType.UPDATE && !Object.keys(diff).length) continue;
      const entry = args.em.create(AuditLog, {
        tenant: draft?.tenant ?? String(args.em.config.get('dbName')),
        actorId: draft?.actorId ?? 'system',
        actorRole: draft?.actorRole ?? 'system',
        action: draft?.action ?? `${entity}.${cs.type}`,
        entity,
        entityId: String(cs.getPrimaryKey() ?? ''),
        changes: diff,
        outcome: 'success',
        ip: draft?.ip ?? null,
        userAgent: draft?.userAgent ?? null,
        requestId: draft?.requestId ?? null,
      });
      args.uow.computeChangeSet(entry);
    }
  }
}
