import { Check, Entity, EntityRepositoryType, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { TENANT_ROLES, type TenantRole } from './roles';
import { UserRepository } from './user.repository';

/** A person who signs in to one tenant. Lives in the tenant's own database. */
@Entity({ tableName: 'users', repository: () => UserRepository })
@Check({ name: 'users_email_lower', expression: '"email" = lower("email")' })
export class User {
  [EntityRepositoryType]?: UserRepository;
  [OptionalProps]?: 'active' | 'tokenVersion' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Stored normalised (normalizeEmail: NFKC, lower case); unique within the tenant. */
  @Property({ type: 'text', unique: true })
  email: string;

  @Property({ type: 'text' })
  name: string;

  @Property({ type: 'text', hidden: true, lazy: true })
  passwordHash: string;

  @Enum({ items: () => TENANT_ROLES, type: 'text' })
  role: TenantRole;

  @Property({ type: 'boolean' })
  active: boolean = true;

  /** Bumped when the user is deactivated or changes role: older tokens stop working. */
  @Property({ type: 'integer' })
  tokenVersion: number = 0;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
