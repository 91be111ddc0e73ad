import type { MigrationObject } from '@mikro-orm/core';

export const EVENTS_TENANT_MIGRATIONS: MigrationObject[] = [];
