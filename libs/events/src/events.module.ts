import { Module } from '@nestjs/common';

/** The transactional outbox, webhook delivery, the event log and its stream. */
@Module({})
export class EventsModule {}
