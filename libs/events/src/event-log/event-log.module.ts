import { AuthModule } from '@app/auth';
import { Module } from '@nestjs/common';
import { EventsModule } from '../events.module';
import { EventStreamHub } from './event-stream.hub';
import { EventStreamService } from './event-stream.service';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { StreamSlots } from './stream-slots';

/** GET /events (the 30-day log) and GET /events/stream (Server-Sent Events): the API only. */
@Module({
  imports: [AuthModule, EventsModule],
  controllers: [EventsController],
  providers: [StreamSlots, EventsService, EventStreamHub, EventStreamService],
  exports: [EventsService],
})
export class EventLogModule {}
