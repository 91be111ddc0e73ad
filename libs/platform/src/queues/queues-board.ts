import { TokenVerifier } from '@app/auth';
import { toProblem, UnauthorizedException } from '@app/common';
import { BullJobQueue, JobQueue } from '@app/jobs';
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const QUEUES_BOARD_PATH = '/platform/queues';
const COOKIE = 'tessera_board';

function cookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie ?? '';
  return header
    .split(';')
    .map((part) => part.trim().split('='))
    .find(([name]) => name === COOKIE)?.[1];
}

/**
 * Bull Board for super admins at /platform/queues (only with Redis: the in-process driver has no
 * board). A browser opens `/platform/queues?token=<platform access token>` once; the token
 * then rides in an HttpOnly, SameSite=Strict cookie scoped to the board. API clients may send a
 * bearer token instead. Every request is verified like the API's own: super_admin only.
 */
export async function mountQueuesBoard(
  fastify: FastifyInstance,
  jobs: JobQueue,
  verifier: TokenVerifier,
): Promise<boolean> {
  if (!(jobs instanceof BullJobQueue)) return false;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_BOARD_PATH);
  createBullBoard({ queues: jobs.bullQueues().map((queue) => new BullAdapter(queue)), serverAdapter });
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const query = request.query as { token?: unknown };
      const bearer = request.headers.authorization?.replace(/^Bearer\s+/i, '');
      const token = typeof query.token === 'string' ? query.token : (bearer ?? cookie(request));
      try {
        if (!token) throw new UnauthorizedException('Sign in as a platform admin.');
        await verifier.platformAdmin(token);
      } catch (error) {
        const { problem, headers } = toProblem(error);
        return reply
          .status(problem.status)
          .headers(headers ?? {})
          .type('application/problem+json')
          .send(problem);
      }
      if (typeof query.token === 'string') {
        // Keep the token out of the address bar, history and logs from here on.
        void reply.header(
          'Set-Cookie',
          `${COOKIE}=${token}; Path=${QUEUES_BOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=900`,
        );
        return reply.redirect(request.url.split('?')[0], 303);
      }
      return undefined;
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUES_BOARD_PATH });
  });
  return true;
}
