import { Access, CurrentUser, type Principal, TENANT_USERS } from '@app/auth';
import { ApiProblems } from '@app/common';
import { PlanFeatureRoute, type TenantRequest } from '@app/tenancy';
import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { EventStreamService } from './event-stream.service';
import { EventPage } from './event.view';
import { EventsService } from './events.service';
import { ListEventsQuery, SEQ_PATTERN } from './list-events.query';
import { StreamEventsQuery } from './stream-events.query';

@ApiTags('events')
@Access({ roles: TENANT_USERS })
@PlanFeatureRoute('events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly streams: EventStreamService,
  ) {}

  @ApiOperation({
    operationId: 'listEvents',
    summary: "The tenant's events of the last 30 days after a seq, in seq order (staff: their records')",
  })
  @ApiOkResponse({ type: EventPage, description: 'Events after the cursor; `meta.nextAfter` is the next cursor' })
  @Get()
  list(@CurrentUser() user: Principal, @Query() query: ListEventsQuery): Promise<EventPage> {
    return this.events.list(user, query);
  }

  @ApiOperation({
    operationId: 'streamEvents',
    summary: 'Server-Sent Events: `id: <seq>`, `event: <type>`, `data: <event>`; Last-Event-ID resumes',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'resume after this seq (sent by EventSource on reconnect)',
    schema: { type: 'string', pattern: SEQ_PATTERN.source },
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'An endless text/event-stream; a `: heartbeat` comment every EVENT_STREAM_HEARTBEAT_MS',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiProblems({ 429: "The tenant's open streams are at its plan's `eventStreams` cap (Retry-After)" })
  @Get('stream')
  stream(
    @CurrentUser() user: Principal,
    @Req() request: TenantRequest,
    @Res() reply: FastifyReply,
    @Query() query: StreamEventsQuery,
  ): Promise<void> {
    return this.streams.open(user, request, reply, query);
  }
}
