import type { Principal } from '@app/auth';
import { TooManyRequestsException, ValidationException } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { PlanBook, type TenantRequest } from '@app/tenancy';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { EventStreamHub } from './event-stream.hub';
import { EventsService, staffScope } from './events.service';
import { SEQ_PATTERN } from './list-events.query';
import { StreamEventsQuery } from './stream-events.query';

/** How long a refused stream is told to wait: slots free as streams close, or expire within 3 heartbeats. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Opens a Server-Sent Events stream of the tenant's events: the cursor (Last-Event-ID, else
 * `?after=`, else the current head), a slot under the tenant's cap, then the answer is handed to
 * the shared poller and this request returns at once, releasing its lease on the tenant's ORM.
 */
@Injectable()
export class EventStreamService {
  constructor(
    private readonly events: EventsService,
    private readonly hub: EventStreamHub,
    private readonly plans: PlanBook,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async open(
    principal: Principal,
    request: TenantRequest,
    reply: FastifyReply,
    query: StreamEventsQuery,
  ): Promise<void> {
    const tenant = request.tenant!;
    const resumeAt = lastEventId(request.headers['last-event-id']) ?? query.after;
    const cursor = resumeAt === undefined ? await this.events.head() : Number(resumeAt);
    const rules = await this.plans.rules(tenant.plan);
    const cap = rules.limits.eventStreams ?? this.config.eventStreamsPerTenant;
    const id = randomUUID();
    if (!(await this.hub.slots.take(tenant.id, id, cap)))
      throw new TooManyRequestsException(
        `This tenant's plan allows ${cap} open event streams; close one, or move to a larger plan.`,
        RETRY_AFTER_SECONDS,
      );
    const out = new PassThrough();
    reply.raw.on('close', () => out.destroy());
    out.write(`retry: ${RETRY_AFTER_SECONDS * 1000}\n: connected\n\n`);
    void reply
      .headers({
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      })
      .send(out);
    const token = String(request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    this.hub.add(tenant, { id, staff: staffScope(principal), token, cursor, out });
  }
}

/** The Last-Event-ID header as a seq, or 400 naming it. */
function lastEventId(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !SEQ_PATTERN.test(header))
    throw new ValidationException([
      { field: 'Last-Event-ID', message: 'Last-Event-ID must be a non-negative integer (a seq)' },
    ]);
  return header;
}
