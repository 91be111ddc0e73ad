import { documentIdempotency, SECURITY_SCHEMES } from '@app/auth';
import { API_BASE_PATH, Problem, problemResponse } from '@app/common';
import { AppConfig } from '@app/config';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  HeaderObject,
  OperationObject,
  ParameterObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ApiModule } from './api.module';
import { documentValidation } from './openapi-validation';

/** The routes outside /api/v1 (probes, keys, metrics). */
export const ROOT_ROUTES = ['health/live', 'health/ready', '.well-known/jwks.json', 'metrics'];

/** Every route under /api/v1 (API_BASE_PATH, which `Location` headers use too) but the root ones. */
export function prefixRoutes(app: INestApplication): void {
  app.setGlobalPrefix(API_BASE_PATH, { exclude: ROOT_ROUTES });
}

/** The OpenAPI document of an application's routes, as /docs-json serves it. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tessera API')
      .setDescription('Multi-tenant CRM: one PostgreSQL database per tenant. Errors are RFC 9457 problem details.')
      .setVersion('1')
      // Paths carry their /api/v1 prefix: the server is wherever the document was fetched from.
      .addServer('/', 'this deployment')
      .addBearerAuth(undefined, SECURITY_SCHEMES.bearer)
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description:
            'An API key, `tsk.{tenant}.{secret}`, with its scopes. Send it alone: a request that also has a bearer token is authenticated by the token.',
        },
        SECURITY_SCHEMES.apiKey,
      )
      .build(),
    { extraModels: [Problem] },
  );
  // A private product (package.json: UNLICENSED): named, with no public licence text to link.
  document.info.license = { name: 'Proprietary' };
  documentValidation(app, document);
  documentIdempotency(document);
  documentConventions(document);
  unwrapLoneAllOf(document);
  return document;
}

/**
 * The same document without a database or a listening server: Nest's preview mode builds the
 * module graph and reads the routes' decorators without instantiating any provider.
 */
export async function previewOpenApiDocument(config: AppConfig): Promise<OpenAPIObject> {
  const app = await NestFactory.create(
    ApiModule.forRoot(config, 'postgresql://preview@127.0.0.1:1/preview'),
    new FastifyAdapter(),
    {
      preview: true,
      logger: false,
      abortOnError: false,
    },
  );
  prefixRoutes(app);
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The headers every answer of a kind carries (API.md, Conventions). */
const HEADERS = {
  requestId: {
    description: 'The request id (a valid incoming `X-Request-ID` is echoed); every log line of the request names it',
    required: true,
    schema: { type: 'string', maxLength: 128 },
  },
  rateLimitLimit: {
    description: "Requests per second the tenant's bucket allows (when rate limits are on)",
    schema: { type: 'integer', minimum: 0 },
  },
  rateLimitRemaining: { description: 'Requests left in the bucket', schema: { type: 'integer', minimum: 0 } },
  rateLimitReset: { description: 'Seconds until the bucket is full again', schema: { type: 'integer', minimum: 0 } },
  retryAfter: { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 0 } },
  impersonatedBy: {
    description: "In a support session (impersonation): the platform user acting for the token's user (`act.sub`)",
    schema: { type: 'string', format: 'uuid' },
  },
} satisfies Record<string, HeaderObject>;

const ref = (name: keyof typeof HEADERS) => ({ $ref: `#/components/headers/${name}` });

type Operation = OperationObject & { 'x-roles'?: string[]; 'x-api-key-scope'?: string };

/**
 * What every operation of a kind shares, added from the operation itself rather than written on
 * each route: the error answers its shape implies (credentials → 401/403, input → 400, a body →
 * 413/415, a path id → 404, a tenant → the tenant's 403/404/409/429/503), and the headers of every
 * answer (X-Request-ID; RateLimit-* on tenant routes; Retry-After on 429 and 503). Roles and the
 * API-key scope go into the description, so Swagger UI shows who may call what.
 */
function documentConventions(document: OpenAPIObject): void {
  document.components = { ...document.components, headers: HEADERS };
  // Answers hold exactly their view's fields (requests are closed by documentValidation); a
  // problem may carry extension members (RFC 9457), so it stays open.
  for (const [name, schema] of Object.entries(document.components.schemas ?? {}) as [string, SchemaObject][]) {
    if (schema.properties && name !== Problem.name) schema.additionalProperties ??= false;
  }
  for (const [path, item] of Object.entries(document.paths)) {
    const tenantRoute = path.startsWith(`${API_BASE_PATH}/`) && !path.startsWith(`${API_BASE_PATH}/platform/`);
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method] as Operation | undefined;
      if (!operation) continue;
      const parameters = (operation.parameters ?? []) as ParameterObject[];
      // Contract testers (Dredd) take a path parameter's example from the parameter itself.
      for (const parameter of parameters) {
        const example = (parameter.schema as SchemaObject | undefined)?.example as unknown;
        if (parameter.in === 'path' && example !== undefined) parameter.example ??= example;
      }
      const derived = new Set<number>();
      // A public route's requirement is the empty one ([{}], from @Public()): it asks for no credentials.
      const needsCredentials = operation.security?.some((requirement) => Object.keys(requirement).length > 0);
      if (needsCredentials) [401, 403].forEach((status) => derived.add(status));
      if (operation.requestBody) [400, 413, 415].forEach((status) => derived.add(status));
      if (parameters.some((parameter) => parameter.in === 'query' || parameter.in === 'path')) derived.add(400);
      if (parameters.some((parameter) => parameter.in === 'path')) derived.add(404);
      if (tenantRoute) [400, 403, 404, 409, 429, 503].forEach((status) => derived.add(status));
      if (path.startsWith(`${API_BASE_PATH}/platform/`)) derived.add(503);
      const responses = operation.responses as Record<string, ResponseObject>;
      for (const status of derived) responses[status] ??= problemResponse(status) as ResponseObject;
      for (const [status, response] of Object.entries(responses)) {
        response.headers = { 'X-Request-ID': ref('requestId'), ...response.headers };
        if (tenantRoute) {
          response.headers['RateLimit-Limit'] = ref('rateLimitLimit');
          response.headers['RateLimit-Remaining'] = ref('rateLimitRemaining');
          response.headers['RateLimit-Reset'] = ref('rateLimitReset');
          response.headers['X-Impersonated-By'] = ref('impersonatedBy');
        }
        if (status === '429') response.headers['Retry-After'] = { ...HEADERS.retryAfter, required: true };
        if (status === '503') response.headers['Retry-After'] = ref('retryAfter');
      }
      operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
      const who = [
        operation['x-roles'] ? `Roles: ${operation['x-roles'].join(', ')}.` : '',
        operation['x-api-key-scope'] ? `API keys with the \`${operation['x-api-key-scope']}\` scope.` : '',
      ].filter(Boolean);
      if (who.length) operation.description = [operation.description, ...who].filter(Boolean).join(' ');
    }
  }
}

/**
 * `{ allOf: [X] }` with nothing beside it is X: Swagger wraps a named enum that way, and linters
 * (Redocly's no-illogical-composition-keywords) and some generators read it as a composition.
 */
function unwrapLoneAllOf(document: OpenAPIObject): void {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    if (!('properties' in schema) || !schema.properties) continue;
    for (const [name, property] of Object.entries(schema.properties)) {
      if ('allOf' in property && property.allOf?.length === 1 && Object.keys(property).length === 1)
        schema.properties[name] = property.allOf[0];
    }
  }
}
