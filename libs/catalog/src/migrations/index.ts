import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000000 } from './Migration20261126000000';
import { Migration20261126000400 } from './Migration20261126000400';
import { Migration20261126000600 } from './Migration20261126000600';
import { Migration20261126000800 } from './Migration20261126000800';
import { Migration20261201000300 } from './Migration20261201000300';
import { Migration20261207031937 } from './Migration20261207031937';
import { Migration20261207180850 } from './Migration20261207180850';
import { Migration20261207212606 } from './Migration20261207212606';
import { Migration20261208001425 } from './Migration20261208001425';
import { Migration20261208002029 } from './Migration20261208002029';

/** Catalog migrations, in order; listed explicitly so no folder is scanned at run time. */
export const CATALOG_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261126000000', class: Migration20261126000000 },
  { name: 'Migration20261126000400', class: Migration20261126000400 },
  { name: 'Migration20261126000600', class: Migration20261126000600 },
  { name: 'Migration20261126000800', class: Migration20261126000800 },
  { name: 'Migration20261201000300', class: Migration20261201000300 },
  { name: 'Migration20261207031937', class: Migration20261207031937 },
  { name: 'Migration20261207180850', class: Migration20261207180850 },
  { name: 'Migration20261207212606', class: Migration20261207212606 },
  { name: 'Migration20261208001425', class: Migration20261208001425 },
  { name: 'Migration20261208002029', class: Migration20261208002029 },
];
