import { Injectable } from '@nestjs/common';
import { AMOUNT_PATTERN, AMOUNT_SCHEMA_PATTERN } from '../money';
import { CustomFieldRegistry, type TenantRules } from './custom-field-registry';
import { type CustomFieldEntity, type FieldRule, MAX_NUMBER, MAX_TEXT_LENGTH } from './custom-field-types';

type Schema = Record<string, unknown>;
type Document = Record<string, unknown> & {
  components?: { schemas?: Record<string, Schema> };
  paths?: Record<string, Record<string, { parameters?: Schema[] }>>;
};

/** Where each entity's customFields appear in the shared document. */
const PLACES: Record<CustomFieldEntity, { view: string[]; create: string[]; update: string[]; list: string }> = {
  lead: { view: ['LeadView'], create: ['CreateLeadDto'], update: ['UpdateLeadDto'], list: '/api/v1/leads' },
  // A conversion creates a deal: its body carries the deal's values.
  deal: {
    view: ['DealView'],
    create: ['CreateDealDto', 'ConvertLeadDto'],
    update: ['UpdateDealDto'],
    list: '/api/v1/deals',
  },
};

const RANGE_TYPES = new Set(['number', 'money', 'date']);

/** The JSON schema of one field's value, as answered (`answer`) or as sent. */
export function valueSchema(rule: FieldRule, answer: boolean): Schema {
  switch (rule.type) {
    case 'text':
      return { type: 'string', minLength: 1, maxLength: MAX_TEXT_LENGTH };
    case 'number':
      return { type: 'number', minimum: -MAX_NUMBER, maximum: MAX_NUMBER };
    case 'money':
      return { type: 'string', pattern: answer ? AMOUNT_SCHEMA_PATTERN : AMOUNT_PATTERN.source, example: '1200.00' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'boolean':
      return { type: 'boolean' };
    case 'select':
      return { type: 'string', enum: rule.options ?? [] };
    case 'multiselect':
      return { type: 'array', uniqueItems: true, items: { type: 'string', enum: rule.options ?? [] } };
    case 'email':
      return { type: 'string', format: 'email', maxLength: 254 };
    case 'url':
      return { type: 'string', format: 'uri', maxLength: MAX_TEXT_LENGTH };
  }
}

function customFieldsSchema(rules: FieldRule[], mode: 'view' | 'create' | 'update', description: unknown): Schema {
  const properties: Record<string, Schema> = {};
  for (const rule of rules) {
    const schema = valueSchema(rule, mode === 'view');
    properties[rule.key] = mode === 'update' && !rule.required ? { ...schema, nullable: true } : schema;
  }
  const required = mode === 'update' ? [] : rules.filter((rule) => rule.required).map((rule) => rule.key);
  return {
    type: 'object',
    description,
    properties,
    additionalProperties: false,
    ...(required.length ? { required } : {}),
  };
}

/**
 * A tenant's own OpenAPI document: the shared one (/docs-json) with its live custom fields as
 * typed properties of `customFields` in lead and deal views and bodies, and its indexed fields as
 * `cf.*` parameters of the lists. Built once per version of the tenant's definitions.
 */
@Injectable()
export class TenantOpenApi {
  private shared?: string;
  private readonly built = new WeakMap<TenantRules, Document>();

  constructor(private readonly registry: CustomFieldRegistry) {}

  /** The shared document, given by the API app once it is built. */
  useSharedDocument(document: object): void {
    this.shared = JSON.stringify(document);
  }

  async document(): Promise<Document> {
    const rules = await this.registry.all();
    let document = this.built.get(rules);
    if (!document) {
      document = this.build(rules);
      this.built.set(rules, document);
    }
    return document;
  }

  private build(rules: TenantRules): Document {
    if (!this.shared) throw new Error('the shared OpenAPI document is not set');
    const document = JSON.parse(this.shared) as Document;
    const schemas = document.components?.schemas ?? {};
    for (const entity of Object.keys(PLACES) as CustomFieldEntity[]) {
      const live = rules[entity].rules.filter((rule) => !rule.archived);
      const place = PLACES[entity];
      for (const mode of ['view', 'create', 'update'] as const)
        for (const name of place[mode]) {
          const schema = schemas[name] as { properties?: Record<string, Schema>; required?: string[] } | undefined;
          if (!schema?.properties?.customFields) continue;
          schema.properties.customFields = customFieldsSchema(live, mode, schema.properties.customFields.description);
          if (mode === 'create' && live.some((rule) => rule.required))
            schema.required = [...new Set([...(schema.required ?? []), 'customFields'])];
        }
      const list = document.paths?.[place.list]?.get;
      if (!list) continue;
      list.parameters ??= [];
      for (const rule of live.filter((candidate) => candidate.indexed)) {
        const operators = RANGE_TYPES.has(rule.type) ? ['', '[gte]', '[lte]', '[gt]', '[lt]'] : [''];
        const item =
          rule.type === 'multiselect' ? { type: 'string', enum: rule.options ?? [] } : valueSchema(rule, false);
        for (const op of operators)
          list.parameters.push({
            name: `cf.${rule.key}${op}`,
            in: 'query',
            required: false,
            description: rule.type === 'multiselect' ? 'records whose list contains this value' : undefined,
            schema: item,
          });
      }
    }
    document.info = { ...(document.info as object), title: 'Tessera API (this tenant)' };
    return document;
  }
}
