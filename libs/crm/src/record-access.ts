import { type Principal, User } from '@app/auth';
import { HiddenRecordException, NotFoundException, ValidationException } from '@app/common';
import { type EntityClass, type EntityManager, type FilterQuery, LockMode } from '@mikro-orm/postgresql';

/** Staff see and change only the records they own; managers, company admins and API keys see all. */
export function ownerScope(principal: Principal): string | undefined {
  return principal.role === 'staff' ? principal.sub : undefined;
}

/**
 * The record if the caller may see it, else 404 — the same answer whether it is missing or
 * someone else's, but a hidden one is marked so the audit trail records a denied attempt.
 * `lock` (inside a transaction) takes the row with `FOR UPDATE` and reads its latest version.
 */
export async function findVisible<T extends { id: string; ownerId: string }>(
  em: EntityManager,
  entity: EntityClass<T>,
  principal: Principal,
  id: string,
  label: string,
  lock = false,
): Promise<T> {
  const scope = ownerScope(principal);
  const where = (scope ? { id, ownerId: scope } : { id }) as unknown as FilterQuery<T>;
  const record = await em.findOne(entity, where, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } : {});
  if (record) return record;
  if (scope && (await em.count(entity, { id } as unknown as FilterQuery<T>)))
    throw new HiddenRecordException(`No such ${label}.`);
  throw new NotFoundException(`No such ${label}.`);
}

/** A new owner must be an active user of the tenant. */
export async function assertActiveUser(em: EntityManager, id: string, field = 'ownerId'): Promise<void> {
  if (!(await em.count(User, { id, active: true }))) {
    throw new ValidationException([{ field, message: `${field} must be an active user of this tenant` }]);
  }
}
