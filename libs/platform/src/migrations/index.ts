import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261207212636 } from './Migration20261207212636';

export const PLATFORM_TENANT_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261207212636', class: Migration20261207212636 },
];
