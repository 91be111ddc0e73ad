import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000200 } from './Migration20261126000200';
import { Migration20261126000700 } from './Migration20261126000700';
import { Migration20261201000100 } from './Migration20261201000100';
import { Migration20261208002106 } from './Migration20261208002106';
import { Migration20261208002117 } from './Migration20261208002117';

export const CRM_TENANT_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261126000200', class: Migration20261126000200 },
  { name: 'Migration20261126000700', class: Migration20261126000700 },
  { name: 'Migration20261201000100', class: Migration20261201000100 },
  { name: 'Migration20261208002106', class: Migration20261208002106 },
  { name: 'Migration20261208002117', class: Migration20261208002117 },
];
