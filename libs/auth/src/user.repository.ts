import { normalizeEmail } from '@app/common';
import { EntityRepository } from '@mikro-orm/postgresql';
import type { User } from './user.entity';

export class UserRepository extends EntityRepository<User> {
  /** The user with this email, password hash included (for sign-in only). */
  findForLogin(email: string): Promise<User | null> {
    return this.findOne({ email: normalizeEmail(email) }, { populate: ['passwordHash'] });
  }
}
