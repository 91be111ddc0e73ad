import { IdProperty, TimeProperty } from '@app/common';
import { Entity, Enum, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { ApiProperty } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import {
  CUSTOM_FIELD_ENTITIES,
  CUSTOM_FIELD_TYPES,
  INDEX_STATUSES,
  type CustomFieldEntity,
  type CustomFieldType,
  type IndexStatus,
} from './custom-field-types';

/**
 * A tenant's definition of one custom field of leads or deals. The key is immutable and unique per
 * entity while the definition exists (archived ones included); values live in the record's
 * `custom_fields` jsonb column under that key.
 */
@Entity({ tableName: 'custom_fields' })
@Unique({ name: 'custom_fields_entity_key_unique', properties: ['entity', 'key'] })
export class CustomField {
  [OptionalProps]?: 'required' | 'indexed' | 'unique' | 'indexStatus' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => CUSTOM_FIELD_ENTITIES, type: 'text' })
  entity: CustomFieldEntity;

  @Property({ type: 'text' })
  key: string;

  @Property({ type: 'text' })
  label: string;

  @Enum({ items: () => CUSTOM_FIELD_TYPES, type: 'text' })
  type: CustomFieldType;

  @Property({ type: 'boolean', default: false })
  required: boolean = false;

  @Property({ type: 'json', nullable: true })
  options?: string[] | null;

  @Property({ type: 'boolean', default: false })
  indexed: boolean = false;

  @Property({ type: 'boolean', default: false })
  unique: boolean = false;

  @Enum({ items: () => INDEX_STATUSES, type: 'text', default: 'none' })
  indexStatus: IndexStatus = 'none';

  @Property({ type: 'text', nullable: true })
  indexError?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  archivedAt?: Date | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/**
 * The version of an entity's custom field definitions: writers of values lock it FOR SHARE and
 * compare it with the definitions they validated against; a change of definitions locks it FOR
 * UPDATE and bumps it. One row per entity, made by the migration.
 */
@Entity({ tableName: 'custom_field_schemas' })
export class CustomFieldSchema {
  @PrimaryKey({ type: 'text' })
  entity: CustomFieldEntity;

  @Property({ type: 'integer', default: 0 })
  version: number = 0;
}

/** A definition as the API answers it. */
export class CustomFieldView {
  @IdProperty()
  id: string;

  @ApiProperty({ enum: CUSTOM_FIELD_ENTITIES, enumName: 'CustomFieldEntity' })
  entity: CustomFieldEntity;

  @ApiProperty({ pattern: '^[a-z][a-z0-9_]{0,39}$', example: 'industry' })
  key: string;

  @ApiProperty({ example: 'Industry' })
  label: string;

  @ApiProperty({ enum: CUSTOM_FIELD_TYPES, enumName: 'CustomFieldType' })
  type: CustomFieldType;

  @ApiProperty()
  required: boolean;

  @ApiProperty({ type: [String], nullable: true, description: 'the allowed values of select and multiselect' })
  options: string[] | null;

  @ApiProperty({ description: 'filters and sort on cf.<key> are allowed once the index is ready' })
  indexed: boolean;

  @ApiProperty({ description: 'no two records hold the same value (requires indexed)' })
  unique: boolean;

  @ApiProperty({ enum: INDEX_STATUSES, enumName: 'CustomFieldIndexStatus' })
  indexStatus: IndexStatus;

  @ApiProperty({ type: String, nullable: true, description: 'why the index could not be built' })
  indexError: string | null;

  @TimeProperty({ nullable: true, description: 'archived: values kept and hidden' })
  archivedAt: string | null;

  @TimeProperty()
  createdAt: string;

  @TimeProperty()
  updatedAt: string;
}

export function toCustomFieldView(field: CustomField): CustomFieldView {
  return {
    id: field.id,
    entity: field.entity,
    key: field.key,
    label: field.label,
    type: field.type,
    required: field.required,
    options: field.options ?? null,
    indexed: field.indexed,
    unique: field.unique,
    indexStatus: field.indexStatus,
    indexError: field.indexError ?? null,
    archivedAt: field.archivedAt?.toISOString() ?? null,
    createdAt: field.createdAt.toISOString(),
    updatedAt: field.updatedAt.toISOString(),
  };
}
