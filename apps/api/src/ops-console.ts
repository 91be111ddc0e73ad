import { genericProblem } from '@app/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const OPS_CONSOLE_PATH = '/ops';

/** The console's policy: its own script and style sheet only, no inline code, calls to this origin only. */
export const OPS_CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** dist/console, as `npm run build` leaves it: beside the compiled API (dist/apps/api/src), or under dist/ from source. */
export function consoleDirectory(): string | undefined {
  return [resolve(__dirname, '../../../console'), resolve(__dirname, '../../../dist/console')].find((dir) =>
    existsSync(join(dir, 'index.html')),
  );
}

/**
 * Serves the ops console (apps/console, built into dist/console) at /ops: its two assets, and
 * index.html for /ops and every deep link below it, all under OPS_CONSOLE_CSP. The files are
 * read once at start-up (a few tens of kB). Without a build, /ops answers 503 saying so.
 */
export function mountOpsConsole(fastify: FastifyInstance, dir: string | undefined): boolean {
  const secure = (reply: FastifyReply) =>
    reply.header('Content-Security-Policy', OPS_CONSOLE_CSP).header('Referrer-Policy', 'no-referrer');
  if (!dir) {
    fastify.get(`${OPS_CONSOLE_PATH}*`, (_request, reply) =>
      secure(reply)
        .status(503)
        .type('application/problem+json')
        .send(genericProblem(503, 'The ops console is not built: run npm run build.')),
    );
    return false;
  }
  const index = readFileSync(join(dir, 'index.html'));
  const assets = new Map(Object.keys(TYPES).map((name) => [name, readFileSync(join(dir, 'assets', name))]));
  fastify.get(`${OPS_CONSOLE_PATH}/assets/:file`, (request, reply) => {
    const { file } = request.params as { file: string };
    const body = assets.get(file);
    if (!body)
      return secure(reply).status(404).type('application/problem+json').send(genericProblem(404, 'No such asset.'));
    return secure(reply).header('Cache-Control', 'no-cache').type(TYPES[file]).send(body);
  });
  const page = (_request: unknown, reply: FastifyReply) =>
    secure(reply).header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(index);
  fastify.get(OPS_CONSOLE_PATH, page);
  fastify.get(`${OPS_CONSOLE_PATH}/*`, page);
  return true;
}
