import { documentIdempotency, SECURITY_SCHEMES } from '@app/auth';
import { API_BASE_PATH } from '@app/common';
import { AppConfig } from '@app/config';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ApiModule } from './api.module';

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
        { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'tsk.<tenant>.<secret>, scoped' },
        SECURITY_SCHEMES.apiKey,
      )
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-Tenant-ID',
          description: 'tenant slug (or the sub-domain, or the token)',
        },
        SECURITY_SCHEMES.tenant,
      )
      .build(),
  );
  documentProblems(document);
  documentIdempotency(document);
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

/** Every operation may answer problem+json: documented once here rather than on each route. */
function documentProblems(document: OpenAPIObject): void {
  document.components = document.components ?? {};
  document.components.schemas = {
    ...document.components.schemas,
    Problem: {
      type: 'object',
      required: ['type', 'title', 'status', 'detail'],
      properties: {
        type: { type: 'string', format: 'uri' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        instance: { type: 'string' },
        errors: {
          type: 'array',
          items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  };
  const problem = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });
  const answers: Record<string, string> = {
    '400': 'Invalid input (field errors in `errors`)',
    '401': 'Missing, expired or invalid credentials',
    '403': 'Not allowed (role, scope, other tenant, suspended tenant)',
    '404': 'Unknown, or not visible to the caller',
    '409': 'Conflict (duplicate, state)',
    '429': 'Too many requests (Retry-After)',
    '503': 'A dependency is unavailable (Retry-After)',
  };
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as { responses?: Record<string, unknown> }[]) {
      operation.responses = {
        ...Object.fromEntries(Object.entries(answers).map(([code, text]) => [code, problem(text)])),
        ...operation.responses,
      };
    }
  }
}
