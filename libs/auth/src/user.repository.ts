import { normalizeEmail } from '@app/common';
import { EntityRepository, LockMode } from '@mikro-orm/postgresql';
import type { User } from './user.entity';

export class UserRepository extends EntityRepository<User> {
  /** The user with this email, password hash included (for sign-in only). */
  findForLogin(email: string): Promise<User | null> {
    return this.findOne({ email: normalizeEmail(email) }, { populate: ['passwordHash'] });
  }

  /**
   * Locks every active company admin row until the transaction ends (`FOR UPDATE`, in id order so
   * two lockers never deadlock) and returns them fresh. Only inside a transaction.
   */
  lockActiveAdmins(): Promise<User[]> {
    return this.find(
      { role: 'company_admin', active: true },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, refresh: true },
    );
  }
}
