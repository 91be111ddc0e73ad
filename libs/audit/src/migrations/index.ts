import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000500 } from './Migration20261126000500';

export const AUDIT_TENANT_MIGRATIONS: MigrationObject[] = [{ name: 'Migration20261126000500', class: Migration20261126000500 }];

/** Tables the tenant's runtime role may only read and append to. */
export const AUDIT_APPEND_ONLY_TABLES = ['audit_logs'];
