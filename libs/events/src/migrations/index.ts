import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261208001501 } from './Migration20261208001501';
import { Migration20261208001652 } from './Migration20261208001652';
import { Migration20261208001704 } from './Migration20261208001704';

/** Tenant-database migrations owned by events (merged with the other libs' by name). */
export const EVENTS_TENANT_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261208001501', class: Migration20261208001501 },
  { name: 'Migration20261208001652', class: Migration20261208001652 },
  { name: 'Migration20261208001704', class: Migration20261208001704 },
];
