import type { INestApplication } from '@nestjs/common';
import type { Server, ServerResponse } from 'node:http';
import { HealthService } from './health.service';

/**
 * The first steps of a graceful stop, before the application closes (SHUTDOWN_DRAIN_MS):
 *
 * 1. GET /health/ready answers 503, so a load balancer that polls it stops routing here, while
 *    every request that still arrives is served as usual. Each response says `Connection: close`,
 *    so every kept-alive connection ends with a finished exchange.
 * 2. After `ms`, the listener closes: a new connection is refused, which a load balancer retries
 *    on another instance whatever the method (nothing was sent). The connections still open
 *    finish their request (each closes after its response; idle ones are closed at once), and
 *    only then does the application close. Closing it first would answer a request that arrives
 *    on an open connection in the meantime with Fastify's bare 503.
 */
export async function drainBeforeClose(app: INestApplication, ms: number, log: (line: string) => void): Promise<void> {
  app.get(HealthService).drain();
  if (ms <= 0) return;
  const server = app.getHttpServer() as Server;
  server.on('request', (_request, response: ServerResponse) => {
    if (!response.headersSent) response.setHeader('connection', 'close');
  });
  log(`draining for ${ms} ms: /health/ready answers 503, requests are still served`);
  await new Promise((done) => setTimeout(done, ms));
  // Resolves once every open connection has ended (Node closes the idle ones itself). A slow
  // client gets as long again as the drain, then its connection is cut, so the application's own
  // shutdown (tenant pools, queues, Redis) always runs within SHUTDOWN_TIMEOUT_MS.
  const closed = new Promise<boolean>((done) => server.close(() => done(true)));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((done) => (timer = setTimeout(() => done(false), ms)));
  const finished = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (finished) {
    log('listener closed, every connection finished');
    return;
  }
  server.closeAllConnections();
  log(`listener closed; connections still open after ${ms} ms were cut`);
}
