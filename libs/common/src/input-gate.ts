import type { FastifyBodyParser, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FieldError, PROBLEM_TYPE_BASE } from './app.exception';

/** JSON deeper than this is refused before it reaches validation (recursive validators overflow the stack). */
export const MAX_INPUT_DEPTH = 32;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why no field may hold this string (PostgreSQL refuses both in text and jsonb), or undefined. */
export function unstorableText(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (UNPAIRED_SURROGATE.test(value)) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

const UNPAIRED_SURROGATES = new RegExp(UNPAIRED_SURROGATE.source, 'g');

/** The text with what PostgreSQL cannot store replaced by U+FFFD: for recording a refused input (audit), never for data. */
export function storableText(value: string): string {
  return value.replaceAll('\u0000', '\ufffd').replace(UNPAIRED_SURROGATES, '\ufffd');
}

function join(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/**
 * The first thing in a parsed input that no field may hold: a string (or a key) with a NUL
 * character or an unpaired surrogate, or nesting deeper than MAX_INPUT_DEPTH. Iterative, so a
 * hostile document cannot exhaust the stack here either.
 */
export function inspectInput(input: unknown, root = ''): FieldError | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: input, path: root, depth: 0 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const why = unstorableText(value);
      if (why) return { field: path || 'body', message: `${path || 'the value'} ${why}` };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH)
      return { field: path || 'body', message: `input must not be nested deeper than ${MAX_INPUT_DEPTH} levels` };
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: join(path, index), depth: depth + 1 }));
      continue;
    }
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const why = unstorableText(key);
      if (why) return { field: path || 'body', message: `a field name ${why}` };
      stack.push({ value: item, path: join(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}

function refuse(request: FastifyRequest, reply: FastifyReply, error: FieldError): void {
  void reply
    .status(400)
    .type('application/problem+json')
    .send({
      type: `${PROBLEM_TYPE_BASE}validation`,
      title: 'Bad Request',
      status: 400,
      detail: 'The request is not valid.',
      instance: request.url.split('?')[0].slice(0, 200),
      errors: [error],
    });
}

/**
 * Fastify's default JSON parser is this callback form (fastify `lib/content-type-parser.js`); its
 * declared type is the union of the callback and the promise form, so it is narrowed here.
 */
type CallbackBodyParser = (
  request: FastifyRequest,
  body: string,
  done: (error: Error | null, body?: unknown) => void,
) => void;

/**
 * One gate in front of validation for what no input may hold, whatever the route: the body,
 * the query string and the path parameters are inspected once parsed, before any guard, pipe
 * or query sees them. A JSON body may be empty (a body-less route with a JSON content type).
 */
export function installInputGate(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error') as CallbackBodyParser;
  fastify.removeContentTypeParser(['application/json']);
  const parser: FastifyBodyParser<string> = (request, body, done) => {
    if (body.trim() === '') return done(null, undefined);
    parseJson(request, body, done);
  };
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, parser);
  fastify.addContentTypeParser(/^application\/[a-z0-9.-]+\+json$/i, { parseAs: 'string' }, parser);
  fastify.addHook('preValidation', (request, reply, done) => {
    const error =
      inspectInput(request.params, 'params') ?? inspectInput(request.query, 'query') ?? inspectInput(request.body);
    if (!error) return done();
    // Path and query problems name the parameter itself, as validation errors do.
    refuse(request, reply, { ...error, field: error.field.replace(/^(params|query)\./, '') });
  });
}
