import { normalizeEmail } from '@app/common';
import type { CompanyAdminSeed } from '@app/tenancy';
import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from './user.entity';

/** Creates the tenant's first company admin from the hash taken at onboarding; idempotent. */
export async function seedCompanyAdmin(em: EntityManager, admin: CompanyAdminSeed): Promise<void> {
  const email = normalizeEmail(admin.email);
  if (await em.count(User, { email })) return;
  em.create(User, { email, name: admin.name, passwordHash: admin.passwordHash, role: 'company_admin' });
  await em.flush();
}
