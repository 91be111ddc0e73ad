import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261208001501 } from './Migration20261208001501';

export const EVENTS_TENANT_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261208001501', class: Migration20261208001501 },
];
