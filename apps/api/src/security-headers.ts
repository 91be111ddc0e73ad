import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * The headers @fastify/helmet sets with `options`, read once from a throw-away instance: the
 * plugin builds helmet's middleware anew on every request (two hooks, one async), and with
 * global options the headers never change. They are read off the raw response right after the
 * plugin's hooks ran, so they are exactly helmet's.
 */
export async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(fastifyHelmet, options);
  let headers: Record<string, string> = {};
  probe.addHook('onRequest', (_request, reply, done) => {
    headers = Object.fromEntries(Object.entries(reply.raw.getHeaders()).map(([name, value]) => [name, String(value)]));
    done();
  });
  probe.get('/', (_request, reply) => reply.send(''));
  try {
    await probe.inject('/');
  } finally {
    await probe.close();
  }
  if (!headers['x-content-type-options']) throw new Error('helmet set no headers: @fastify/helmet changed');
  return headers;
}

/**
 * Sends the request's id (`X-Request-ID`) and helmet's headers (`helmetHeaders`) on every answer,
 * the 404s and framework errors included: one hook for both.
 */
export async function installSecurityHeaders(fastify: FastifyInstance, options: FastifyHelmetOptions): Promise<void> {
  const headers = await helmetHeaders(options);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-ID', request.id).headers(headers);
    done();
  });
}
