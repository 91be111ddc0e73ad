import { TenantCache, TenantContext } from '@app/tenancy';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { readRows } from '../read-rows';
import type { CustomFieldEntity, FieldRule, IndexStatus, CustomFieldType } from './custom-field-types';

/** One entity's definitions at one version of `custom_field_schemas`. */
export interface EntityRules {
  version: number;
  rules: FieldRule[];
}

export type TenantRules = Record<CustomFieldEntity, EntityRules>;

const CACHE_KEY = 'custom-fields';

/**
 * The definitions this process last held per tenant database, for the outbox's event views (built
 * synchronously at flush, outside dependency injection). Every write of leads and deals reads its
 * definitions through the registry before it flushes, so the tenant's entry is current then.
 */
const heldRules = new Map<string, TenantRules>();

/** The definitions of `entity` this process holds for a tenant database (none yet: no custom values shown). */
export function heldRulesOf(database: string, entity: CustomFieldEntity): readonly FieldRule[] {
  return heldRules.get(database)?.[entity].rules ?? [];
}

const SCHEMAS_SQL = 'select "entity", "version" from "custom_field_schemas"';
const FIELDS_SQL = `select "entity", "key", "type", "required", "options", "indexed", "unique",
  "index_status" as "indexStatus", "archived_at" is not null as "archived"
  from "custom_fields" order by "created_at", "key"`;

/** The cache's version of a tenant's definitions: both entities' versions only grow, so their sum does too. */
function versionOf(rules: TenantRules): number {
  return rules.lead.version + rules.deal.version;
}

/**
 * A tenant's custom field definitions, cached in every instance's tenant cache and replaced
 * everywhere (CatalogEvents' cache messages) when they change: an instance keeps the highest
 * version it has seen, so a late read of older definitions never replaces newer ones. Writers of
 * values validate against the cached definitions and then confirm them in their transaction
 * (`confirm`): the per-entity version row, locked FOR SHARE, must still be the one they used.
 */
@Injectable()
export class CustomFieldRegistry {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly cache: TenantCache,
  ) {}

  /** The tenant's definitions (archived ones included, marked), from the cache or its database. */
  async all(): Promise<TenantRules> {
    const tenantId = this.tenancy.tenant.id;
    const cached = this.cache.getVersioned<TenantRules>(tenantId, CACHE_KEY);
    if (cached) return this.held(cached);
    const loaded = await load(this.tenancy.rootEm);
    return this.held(this.cache.setVersioned(tenantId, CACHE_KEY, loaded, versionOf(loaded)));
  }

  private held(rules: TenantRules): TenantRules {
    heldRules.set(String(this.tenancy.rootEm.config.get('dbName')), rules);
    return rules;
  }

  async of(entity: CustomFieldEntity): Promise<EntityRules> {
    return (await this.all())[entity];
  }

  /**
   * In a writer's transaction: locks the entity's version row FOR SHARE (a definition change
   * waits for this transaction, and this one for a change in progress) and answers the
   * definitions of that version: the cached ones when they are current, else read again here.
   */
  async confirm(em: EntityManager, entity: CustomFieldEntity, cached: EntityRules): Promise<EntityRules> {
    const [row] = await readRows(em, 'select "version" from "custom_field_schemas" where "entity" = $1 for share', [
      entity,
    ]);
    if (row && Number(row.version) === cached.version) return cached;
    const fresh = this.held(await load(em));
    void this.cache.setVersioned(this.tenancy.tenant.id, CACHE_KEY, fresh, versionOf(fresh));
    return fresh[entity];
  }

  /** After a change of definitions committed: every instance gets the new ones within a moment. */
  async publish(): Promise<void> {
    const fresh = await load(this.tenancy.rootEm);
    await this.cache.shareVersioned(this.tenancy.tenant.id, CACHE_KEY, fresh, versionOf(fresh));
  }
}

async function load(em: EntityManager): Promise<TenantRules> {
  const rules: TenantRules = { lead: { version: 0, rules: [] }, deal: { version: 0, rules: [] } };
  for (const row of await readRows(em, SCHEMAS_SQL, []))
    rules[row.entity as CustomFieldEntity] = { version: Number(row.version), rules: [] };
  for (const row of await readRows(em, FIELDS_SQL, [])) {
    rules[row.entity as CustomFieldEntity]?.rules.push({
      key: row.key as string,
      type: row.type as CustomFieldType,
      required: row.required as boolean,
      options: (row.options as string[] | null) ?? null,
      indexed: row.indexed as boolean,
      unique: row.unique as boolean,
      indexStatus: row.indexStatus as IndexStatus,
      archived: row.archived as boolean,
    });
  }
  return rules;
}
