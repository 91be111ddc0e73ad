import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000500 } from './Migration20261126000500';
import { Migration20261201000200 } from './Migration20261201000200';
import { Migration20261207181000 } from './Migration20261207181000';
import { Migration20261207212733 } from './Migration20261207212733';

export const AUDIT_TENANT_MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261126000500', class: Migration20261126000500 },
  { name: 'Migration20261201000200', class: Migration20261201000200 },
  { name: 'Migration20261207181000', class: Migration20261207181000 },
  { name: 'Migration20261207212733', class: Migration20261207212733 },
];

/** Tables the tenant's runtime role may only read and append to. */
export const AUDIT_APPEND_ONLY_TABLES = ['audit_logs'];

/**
 * Columns the database sets itself (the hash chain): the runtime role may not insert them. The insert
 * trigger also overwrites `changes_salt`, `changes_digest` and `redacted_by` whatever an insert gave
 * (those may be null in the database: a redacted entry has no salt, an older one no digest).
 */
export const AUDIT_CHAIN_COLUMNS: Record<string, string[]> = { audit_logs: ['seq', 'at', 'prev_hash', 'hash'] };
