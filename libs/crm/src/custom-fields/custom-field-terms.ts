import { ValidationException } from '@app/common';
import type { CustomFieldIndex } from '@app/fleet';
import type { CustomFieldEntity, CustomFieldType, FieldRule } from './custom-field-types';

export interface Terms {
  type: CustomFieldType;
  options: string[] | null;
  indexed: boolean;
  unique: boolean;
}

const WITH_OPTIONS: readonly CustomFieldType[] = ['select', 'multiselect'];

/** Options go with select and multiselect only (and they need them); unique needs an index and one value per record. */
export function assertTerms(terms: Terms): void {
  const errors = [];
  if (WITH_OPTIONS.includes(terms.type) && !terms.options?.length)
    errors.push({ field: 'options', message: `options are required for ${terms.type}` });
  if (!WITH_OPTIONS.includes(terms.type) && terms.options)
    errors.push({ field: 'options', message: `options go with select and multiselect only` });
  if (terms.unique && !terms.indexed) errors.push({ field: 'unique', message: 'unique requires indexed' });
  if (terms.unique && terms.type === 'multiselect')
    errors.push({ field: 'unique', message: 'a multiselect field cannot be unique' });
  if (errors.length) throw new ValidationException(errors);
}

export function tableOf(entity: CustomFieldEntity): 'leads' | 'deals' {
  return entity === 'lead' ? 'leads' : 'deals';
}

export function indexNameOf(entity: CustomFieldEntity, key: string): string {
  return `cf_${entity}_${key}`;
}

/** The index a definition asks for (multiselect: GIN for contains filters; else a btree). */
export function indexOf(entity: CustomFieldEntity, key: string, terms: Terms): CustomFieldIndex {
  return {
    table: tableOf(entity),
    name: indexNameOf(entity, key),
    key,
    method: terms.type === 'multiselect' ? 'gin' : 'btree',
    unique: terms.unique,
  };
}

/** A definition's rule from its terms (for checking stored values against terms not saved yet). */
export function ruleOf(key: string, terms: Terms & { required: boolean }): FieldRule {
  return { key, ...terms, indexStatus: 'none', archived: false };
}
