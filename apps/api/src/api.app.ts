import { auditContext, AuditInterceptor, AuditRecorder } from '@app/audit';
import { IdempotencyInterceptor, IdempotencyLedger, PlatformAuthService, TokenVerifier } from '@app/auth';
import { DbServerSync, migrateCatalog } from '@app/catalog';
import {
  acceptJsonBodiesOnly,
  createLogger,
  createValidationPipe,
  genericProblem,
  installInputGate,
  PinoNestLogger,
  ProblemDetailsFilter,
  requestIdFrom,
} from '@app/common';
import { AppConfig } from '@app/config';
import { JobQueue } from '@app/jobs';
import { outboxSignal } from '@app/events';
import { MetricsService, mountQueuesBoard } from '@app/platform';
import { ServerLockdown } from '@app/fleet';
import { type ResolvedTenant, TenantContextInterceptor } from '@app/tenancy';
import { MikroORM } from '@mikro-orm/postgresql';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { LogController } from 'fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import { ApiModule } from './api.module';
import { buildOpenApiDocument, prefixRoutes } from './openapi-document';
import { TenantOpenApi } from '@app/crm';
import { InterceptorChain } from './interceptor-chain';
import { useLeanInterceptors } from './lean-interceptors';
import { consoleDirectory, mountOpsConsole } from './ops-console';
import { installSecurityHeaders } from './security-headers';

/** Builds the HTTP application: the same wiring for `npm start` and the end-to-end tests. */
export async function createApiApp(
  config: AppConfig,
  catalogUrl: string,
  logDestination?: DestinationStream,
): Promise<NestFastifyApplication> {
  const logger = createLogger(config.logLevel, logDestination);
  useLeanInterceptors();
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // Fastify's own request lines are off: one line per request is written below, with tenant and user.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_048_576, // larger bodies: 413
    requestTimeout: config.requestTimeoutMs,
    // Errors the router raises before any handler (a malformed or over-long URL) are problems too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode === 414 ? 414 : 400;
      const detail = status === 414 ? 'A path segment is too long.' : 'The URL is not valid.';
      void reply
        .status(status)
        .type('application/problem+json')
        .send({ ...genericProblem(status, detail), instance: request.url.split('?')[0].slice(0, 200) });
    },
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) =>
      requestIdFrom(req.headers['x-request-id']),
    trustProxy: config.trustProxy,
  });
  const fastify = adapter.getInstance();
  // X-Request-ID and helmet's headers; the JSON API needs no content policy, and Swagger UI at /docs would break under one.
  await installSecurityHeaders(fastify, { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false });
  acceptJsonBodiesOnly(fastify);
  installInputGate(fastify);

  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config, catalogUrl), adapter, {
    logger: config.logLevel === 'silent' ? false : new PinoNestLogger(logger),
    abortOnError: false,
    // The JSON parser is the input gate's (installInputGate): empty JSON bodies allowed, nothing else.
    bodyParser: false,
  });
  // No origins configured: no CORS at all (a preflight is a 404 either way), and no hook per request.
  if (config.corsOrigins.length)
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], // the methods the API has
      allowedHeaders: [
        'authorization',
        'content-type',
        'x-tenant-id',
        'x-api-key',
        'x-request-id',
        'idempotency-key',
        'if-match',
        'if-none-match',
        'last-event-id',
      ],
      exposedHeaders: [
        'x-request-id',
        'location',
        'retry-after',
        'etag',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
        'idempotent-replayed',
      ],
      maxAge: 600,
    });
  prefixRoutes(app);
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(createValidationPipe());
  auditContext.enabled = config.auditTrail;
  outboxSignal.recording = config.outbox;
  // Order matters: idempotency keys are checked inside the tenant context (and its rate limit), and a
  // replay stops before the audit interceptor; the audit interceptor runs inside the tenant context.
  // One chain of the three: Nest's own chaining of global interceptors costs more per request than they do.
  app.useGlobalInterceptors(
    new InterceptorChain([
      app.get(TenantContextInterceptor),
      app.get(IdempotencyInterceptor),
      app.get(AuditInterceptor),
    ]),
  );
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const served = (request as { tenant?: ResolvedTenant }).tenant;
    if (served?.status === 'active' && reply.statusCode < 500) metrics.noteTenant(served);
    metrics.observe(request.method, route, reply.statusCode, served?.slug ?? '-', reply.elapsedTime / 1000);
    const user = (request as { user?: { sub: string; role: string } }).user;
    // request.log carries reqId: `grep <X-Request-ID>` finds every line of one request.
    request.log.info(
      {
        method: request.method,
        route,
        url: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        tenant: served?.slug ?? '-',
        user: user?.sub,
        role: user?.role,
      },
      'request',
    );
    done();
  });
  const recorder = app.get(AuditRecorder);
  // Once closing, a response still in flight ends its keep-alive connection: the server's close
  // waits for every open connection, and an idle keep-alive one would hold it for 72 s.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const idempotency = app.get(IdempotencyLedger);
  // Synchronous unless an idempotency key is to be settled or an attempt recorded: a route that
  // sends its reply itself from an async handler (Swagger's /docs-json) must see it sent, or
  // Fastify sends it a second time. The key is settled before the answer leaves, so a retry
  // replays it; a request answered from its key's record ran nothing, so it records nothing.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    const settles = idempotency.settles(request);
    const records = recorder.records(request) && !idempotency.answeredItself(request);
    if (!settles && !records) return done(null, payload);
    const settled = settles ? idempotency.settle(request, reply, payload) : Promise.resolve();
    settled
      .then(() => (records ? recorder.onSend(request, reply) : undefined))
      .then(
        () => done(null, payload),
        () => done(null, payload),
      );
  });

  const document = buildOpenApiDocument(app);
  // A tenant's own document (GET /api/v1/openapi.json) is this one with its custom fields typed.
  app.get(TenantOpenApi).useSharedDocument(document);
  // Swagger UI keeps what Authorize was given across reloads, so the README journey can be run from /docs.
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true, displayOperationId: true },
  });
  await mountQueuesBoard(fastify, app.get(JobQueue), app.get(TokenVerifier));
  // The ops console at /ops, under its own strict content security policy (it calls /api/v1/platform only).
  mountOpsConsole(fastify, consoleDirectory());
  return app;
}

/** Start-up work that must finish before the API takes traffic. */
export async function prepareCatalog(
  app: NestFastifyApplication,
  config: AppConfig,
  catalogUrl: string,
  log: (line: string) => void,
): Promise<void> {
  if (config.migrateOnStart) {
    const applied = await migrateCatalog(app.get(MikroORM), catalogUrl);
    if (applied.length) log(`catalog migrations applied: ${applied.join(', ')}`);
  }
  await app.get(DbServerSync).sync();
  await app.get(PlatformAuthService).bootstrapAdmin();
  // A server that is down is reported and skipped (connect timeout 5 s), not a failed start.
  for (const line of await app.get(ServerLockdown).secureAll(config.tenantDbPrefix))
    log(`securing database server ${line}`);
}
