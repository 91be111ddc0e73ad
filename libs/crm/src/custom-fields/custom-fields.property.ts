import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every value a custom field can hold, as JSON (the tenant's own document, /openapi.json, types each key). */
export const CUSTOM_VALUE_SCHEMA = {
  oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }],
};

const DESCRIPTION =
  "the tenant's custom fields by key (GET /custom-fields; GET /openapi.json types them): text, email, url, select, date (YYYY-MM-DD) and money (decimal string) as strings, number, boolean, multiselect as a list of strings";

/** `customFields` of a lead or deal view (always present, `{}` without values). */
export const CustomFieldsAnswer = () =>
  ApiProperty({ type: 'object', additionalProperties: CUSTOM_VALUE_SCHEMA, description: DESCRIPTION });

/** `customFields` of a create or update body: only the keys given change; null removes a value. */
export const CustomFieldsInput = () =>
  ApiPropertyOptional({
    type: 'object',
    // null (removing a value) is allowed once, on the string branch: OpenAPI 3.0 puts nullable beside a type.
    additionalProperties: {
      oneOf: [{ type: 'string', nullable: true }, ...CUSTOM_VALUE_SCHEMA.oneOf.filter((s) => s.type !== 'string')],
    },
    description: `${DESCRIPTION}; null removes a value (not of a required field)`,
  });
