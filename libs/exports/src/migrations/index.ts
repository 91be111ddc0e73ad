import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261207181310 } from './Migration20261207181310';
import { Migration20261207181311 } from './Migration20261207181311';

/** Tenant-database migrations owned by exports (merged with the other libs' by name). */
export const EXPORTS_TENANT_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261207181310', class: Migration20261207181310 },
  { name: 'Migration20261207181311', class: Migration20261207181311 },
];
