import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const API_SCOPES = [
  'leads:read',
  'leads:write',
  'deals:read',
  'deals:write',
  'reports:read',
  'users:read',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** A key for REST consumers of one tenant; only its SHA-256 hash is stored. */
@Entity({ tableName: 'api_keys' })
export class ApiKey {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name: string;

  @Property({ type: 'text[]' })
  scopes: ApiScope[];

  @Property({ type: 'text', hidden: true, unique: true })
  keyHash: string;

  /** The first characters of the key, to recognise it in lists. */
  @Property({ type: 'text' })
  keyPrefix: string;

  @Property({ type: 'uuid' })
  createdBy: string;

  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
