import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** A user of the platform itself (super_admin), kept in the catalog. */
@Entity({ tableName: 'platform_users' })
export class PlatformUser {
  [OptionalProps]?: 'role' | 'active' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text', unique: true })
  email: string;

  @Property({ type: 'text' })
  name: string;

  @Property({ type: 'text', hidden: true })
  passwordHash: string;

  @Property({ type: 'text' })
  role = 'super_admin' as const;

  @Property({ type: 'boolean' })
  active: boolean = true;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
