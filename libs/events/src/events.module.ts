import { Module } from '@nestjs/common';
import { OutboxWake } from './event-log/outbox-wake';
import { OutboxTenantBinding } from './outbox/outbox-tenant.binding';

/** The transactional outbox and its wake-ups (API and worker); webhook delivery builds on it. */
@Module({ providers: [OutboxTenantBinding, OutboxWake], exports: [OutboxWake] })
export class EventsModule {}
