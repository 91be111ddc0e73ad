import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';
import { installSecurityHeaders } from './security-headers';

const OPTIONS = { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false } as const;

/** The headers of an answer, less the ones Fastify itself sends and the request id. */
function securityPart(headers: Record<string, unknown>): Record<string, unknown> {
  const {
    date: _date,
    connection: _connection,
    'content-type': _type,
    'content-length': _length,
    'x-request-id': _id,
    ...rest
  } = headers;
  return rest;
}

describe('installSecurityHeaders', () => {
  it("sends exactly @fastify/helmet's headers, on routes and on 404s", async () => {
    const withPlugin = Fastify();
    await withPlugin.register(fastifyHelmet, OPTIONS);
    withPlugin.get('/x', (_request, reply) => reply.send({ ok: true }));
    const installed = Fastify();
    await installSecurityHeaders(installed, OPTIONS);
    installed.get('/x', (_request, reply) => reply.send({ ok: true }));
    try {
      for (const url of ['/x', '/missing']) {
        const expected = securityPart((await withPlugin.inject(url)).headers);
        expect(Object.keys(expected).length).toBeGreaterThan(5);
        expect(securityPart((await installed.inject(url)).headers)).toEqual(expected);
      }
    } finally {
      await Promise.all([withPlugin.close(), installed.close()]);
    }
  });

  it("sends the request's id as X-Request-ID, on routes and on 404s", async () => {
    const installed = Fastify({ genReqId: (request) => String(request.headers['x-test-id']) });
    await installSecurityHeaders(installed, OPTIONS);
    installed.get('/x', (_request, reply) => reply.send({ ok: true }));
    try {
      for (const url of ['/x', '/missing']) {
        const res = await installed.inject({ url, headers: { 'x-test-id': `id-${url}` } });
        expect(res.headers['x-request-id']).toBe(`id-${url}`);
      }
    } finally {
      await installed.close();
    }
  });
});
