import { ChangeSet, ChangeSetType, EntityClass } from '@mikro-orm/core';

/**
 * An entity whose changes become outbox events. Libs above `events` (crm) describe their own
 * entities; apps/tenant-schema.ts hands every source to the OutboxSubscriber.
 */
export interface EventSource<T extends object> {
  entity: EntityClass<T>;
  /** `lead`, `deal`, `user`: the event's `entity` and its type's prefix. */
  name: string;
  /** Most specific first: of two changes to one record in one transaction, the earlier listed type wins. */
  types: readonly string[];
  /** The record's API view (never a secret): the event's `data`; `database` is the tenant database written to. */
  view(entity: T, database: string): object;
  /** Staff who may see the event (owners before and after the change, or the user itself). */
  visibleTo(cs: ChangeSet<T>): string[];
  type(cs: ChangeSet<T>): string;
}

/** A source as the subscriber holds it (it hands each source only change sets of its own entity). */
export function eventSource<T extends object>(source: EventSource<T>): EventSource<object> {
  return source as unknown as EventSource<object>;
}

/** Whether the change set changes `field` (an update's payload holds only changed fields). */
export function changes<T extends object>(cs: ChangeSet<T>, field: keyof T & string): boolean {
  if (cs.type !== ChangeSetType.UPDATE) return false;
  const payload = cs.payload as Record<string, unknown>;
  if (!(field in payload)) return false;
  const before = (cs.originalEntity as Record<string, unknown> | undefined)?.[field];
  return before !== payload[field];
}

/** A field's values before and after the change (deduplicated, set ones only): e.g. the owners. */
export function beforeAndAfter<T extends object>(cs: ChangeSet<T>, field: keyof T & string): string[] {
  const after = (cs.entity as Record<string, unknown>)[field];
  const before =
    cs.type === ChangeSetType.CREATE ? undefined : (cs.originalEntity as Record<string, unknown> | undefined)?.[field];
  return [...new Set([before, after].filter((v): v is string => typeof v === 'string' && v.length > 0))];
}

/** `<name>.created` / `<name>.deleted`, or undefined for an update. */
export function lifecycleType<T extends object>(name: string, cs: ChangeSet<T>): string | undefined {
  if (cs.type === ChangeSetType.CREATE) return `${name}.created`;
  if (cs.type === ChangeSetType.DELETE) return `${name}.deleted`;
  return undefined;
}
