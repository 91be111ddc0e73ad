import { loadAppConfig } from '@app/config';
import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  OperationObject,
  ParameterObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { previewOpenApiDocument } from './openapi-document';

type Entry = { id: string; path: string; method: string; operation: OperationObject };

describe('the OpenAPI document', () => {
  let document: OpenAPIObject;
  let operations: Entry[];
  const schemas = () => document.components?.schemas as Record<string, SchemaObject>;
  const operation = (id: string) => operations.find((entry) => entry.id === id)!.operation;
  const responses = (id: string) => operation(id).responses as Record<string, ResponseObject>;

  beforeAll(async () => {
    document = await previewOpenApiDocument(loadAppConfig({}));
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, OperationObject>).map(([method, op]) => ({
        id: op.operationId ?? `${method} ${path}`,
        path,
        method,
        operation: op,
      })),
    );
  }, 60_000);

  it('gives every success answer with a body a JSON schema, a binary one for a zip download, or a string event stream', () => {
    const isZip = (response: ResponseObject) =>
      (response.content?.['application/zip']?.schema as SchemaObject | undefined)?.format === 'binary';
    const isStream = (response: ResponseObject) =>
      (response.content?.['text/event-stream']?.schema as SchemaObject | undefined)?.type === 'string';
    const missing = operations.flatMap(({ id, operation }) =>
      Object.entries(operation.responses as Record<string, ResponseObject>)
        .filter(([status]) => /^2\d\d$/.test(status) && status !== '204')
        .filter(
          ([, response]) => !response.content?.['application/json']?.schema && !isZip(response) && !isStream(response),
        )
        .map(([status]) => `${id} ${status}`),
    );
    expect(missing).toEqual([]);
    const downloads = operations.filter(({ operation }) =>
      Object.values(operation.responses as Record<string, ResponseObject>).some(isZip),
    );
    expect(downloads.map(({ id }) => id).sort()).toEqual([
      'downloadExport',
      'downloadPrivacyAccess',
      'downloadTenantExport',
    ]);
    const streams = operations.filter(({ operation }) =>
      Object.values(operation.responses as Record<string, ResponseObject>).some(isStream),
    );
    expect(streams.map(({ id }) => id)).toEqual(['streamEvents']);
  });

  it('answers lists with a page schema of the items and meta', () => {
    const lists = operations.filter(({ id }) => id.startsWith('list'));
    expect(lists.length).toBeGreaterThanOrEqual(6);
    for (const { id } of lists) {
      const ref = (responses(id)['200'].content!['application/json'].schema as { $ref: string }).$ref;
      const page = schemas()[ref.split('/').pop()!];
      expect({ id, required: page.required, closed: page.additionalProperties }).toEqual({
        id,
        required: ['data', 'meta'],
        closed: false,
      });
    }
  });

  it('closes every object schema of the API (unknown fields are refused and never sent), problems excepted', () => {
    const open = Object.entries(schemas())
      .filter(([name, schema]) => schema.properties && name !== 'Problem')
      .filter(([, schema]) => schema.additionalProperties !== false)
      .map(([name]) => name);
    expect(open).toEqual([]);
  });

  it('marks the fields an answer may send as null as nullable, and keeps them required', () => {
    const lead = schemas().LeadView;
    expect(lead.required).toEqual(expect.arrayContaining(['email', 'phone', 'company', 'source']));
    expect((lead.properties!.email as SchemaObject).nullable).toBe(true);
    expect((lead.properties!.name as SchemaObject).nullable).toBeUndefined();
  });

  it('takes the request constraints from the validators (lengths, patterns, formats, required fields)', () => {
    const deal = schemas().CreateDealDto;
    expect(deal.required).toEqual(['title', 'amount', 'currency']);
    expect(deal.properties).toMatchObject({
      title: { type: 'string', minLength: 1, maxLength: 200 },
      amount: { type: 'string', pattern: '^(0|[1-9]\\d{0,11})(\\.\\d{1,2})?$' },
      leadId: { type: 'string', format: 'uuid', nullable: true },
      expectedCloseDate: { type: 'string', format: 'date', nullable: true },
    });
    expect(schemas().CreateLeadDto.properties).toMatchObject({ email: { format: 'email', maxLength: 254 } });
  });

  it('documents each query parameter with its validator’s constraints', () => {
    const parameters = operation('listLeads').parameters as ParameterObject[];
    expect(parameters.find((p) => p.name === 'limit')).toMatchObject({
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 100 },
    });
    expect(parameters.find((p) => p.name === 'ownerId')?.schema).toMatchObject({ format: 'uuid' });
  });

  it('documents date-times as the validator reads them: no leap second, at most nine decimals', () => {
    const since = (operation('listLeads').parameters as ParameterObject[]).find((p) => p.name === 'updatedSince');
    const pattern = new RegExp((since?.schema as SchemaObject).pattern!);
    expect(['2026-12-01T09:30:00Z', '2026-12-01t09:30:00.5+02:00'].map((v) => pattern.test(v))).toEqual([true, true]);
    expect(['2016-12-31T23:59:60Z', '2026-12-01T09:30:00.1234567891Z'].map((v) => pattern.test(v))).toEqual([
      false,
      false,
    ]);
  });

  it('declares Location on every 201 and on the 202 of onboarding and of a fleet migration', () => {
    const created = operations.filter(({ operation }) => (operation.responses as Record<string, unknown>)['201']);
    expect(created.map(({ id }) => id).sort()).toEqual(
      [
        'convertLead',
        'createApiKey',
        'createCustomField',
        'createDeal',
        'createLead',
        'createPlan',
        'createUser',
        'createWebhook',
        'requestImpersonation',
        'startImpersonation',
      ].sort(),
    );
    for (const { id } of created) expect(responses(id)['201'].headers).toHaveProperty('Location.required', true);
    expect(responses('createTenant')['202'].headers).toHaveProperty('Location.required', true);
    expect(responses('startFleetMigration')['202'].headers).toHaveProperty('Location.required', true);
  });

  it('declares the 202 of a lead score training without Location: it queues a job, it creates no resource', () => {
    expect(responses('trainLeadScoreModel')['202']).toBeDefined();
    expect(responses('trainLeadScoreModel')['202'].headers).not.toHaveProperty('Location');
  });

  it('declares X-Request-ID on every answer, RateLimit-* on tenant answers and Retry-After on 429', () => {
    for (const { id, path } of operations) {
      for (const [status, response] of Object.entries(responses(id))) {
        expect([id, status, response.headers?.['X-Request-ID']]).toEqual([id, status, expect.anything()]);
        if (status === '429') expect(response.headers).toHaveProperty('Retry-After.required', true);
      }
      const tenantRoute = path.startsWith('/api/v1/') && !path.startsWith('/api/v1/platform/');
      expect([id, 'RateLimit-Limit' in (Object.values(responses(id))[0].headers ?? {})]).toEqual([id, tenantRoute]);
    }
  });

  it('lists the error statuses each operation can answer, not one set for all', () => {
    const statuses = (id: string) => Object.keys(responses(id)).filter((status) => Number(status) >= 400);
    expect(statuses('getLiveness')).toEqual([]);
    expect(statuses('getJwks')).toEqual([]);
    expect(statuses('getReadiness')).toEqual(['503']);
    expect(statuses('createLead')).toEqual(expect.arrayContaining(['400', '401', '403', '413', '415', '429', '503']));
    expect(statuses('getLead')).toEqual(expect.arrayContaining(['400', '401', '403', '404']));
    expect(statuses('convertLead')).toContain('409');
    expect(statuses('platformSignIn')).toEqual(expect.arrayContaining(['400', '401', '413', '415', '429']));
    expect(statuses('platformSignIn')).not.toContain('404');
    expect(statuses('listTenants')).not.toContain('429');
  });

  it('answers every error as a problem document', () => {
    for (const { id } of operations) {
      for (const [status, response] of Object.entries(responses(id))) {
        if (Number(status) < 400) continue;
        expect([id, status, response.content?.['application/problem+json']?.schema]).toEqual([
          id,
          status,
          { $ref: '#/components/schemas/Problem' },
        ]);
      }
    }
  });
});
