import { normalizeEmail } from '@app/common';
import { EntityRepository, LockMode } from '@mikro-orm/postgresql';
import type { User } from './user.entity';

export class UserRepository extends EntityRepository<User> {
  /** The user with this email, password hash included (for sign-in only). */
  findForLogin(email: string): Promise<User | null> {
    return this.findOne({ email: normalizeEmail(email) }, { populate: ['passwordHash'] });
  }

  /**
   * Locks the user's row, and with `withActiveAdmins` every active company admin's row too, until
   * the transaction ends, and returns them fresh. One statement in id order: two lockers never
   * deadlock, also not over a row that stopped being an admin while they waited (PostgreSQL keeps
   * the lock on a row that fails its re-check). Only inside a transaction.
   */
  lockForChange(id: string, withActiveAdmins: boolean): Promise<User[]> {
    return this.find(withActiveAdmins ? { $or: [{ id }, { role: 'company_admin', active: true }] } : { id }, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      orderBy: { id: 'asc' },
      refresh: true,
    });
  }
}
