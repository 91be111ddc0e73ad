import type { FastifyInstance } from 'fastify';
import { PROBLEM_TYPE_BASE } from './app.exception';

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/** The API speaks JSON only: a request body of any other media type is a 415 before parsing. */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    const type = request.headers['content-type'];
    if (!hasBody || (type !== undefined && JSON_TYPE.test(type))) return done();
    void reply
      .status(415)
      .type('application/problem+json')
      .send({
        type: `${PROBLEM_TYPE_BASE}unsupported-media-type`,
        title: 'Unsupported Media Type',
        status: 415,
        detail: 'Send request bodies as application/json.',
        instance: request.url.split('?')[0],
      });
  });
}
