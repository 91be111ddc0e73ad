import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000100 } from './Migration20261126000100';
import { Migration20261126000300 } from './Migration20261126000300';
import { Migration20261207160000 } from './Migration20261207160000';
import { Migration20261207212710 } from './Migration20261207212710';

/** Tenant-database migrations owned by auth (merged with the other libs' by name). */
export const AUTH_TENANT_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261126000100', class: Migration20261126000100 },
  { name: 'Migration20261126000300', class: Migration20261126000300 },
  { name: 'Migration20261207160000', class: Migration20261207160000 },
  { name: 'Migration20261207212710', class: Migration20261207212710 },
];
