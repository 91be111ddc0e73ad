import { Module } from '@nestjs/common';
import { OutboxTenantBinding } from './outbox/outbox-tenant.binding';

/** The transactional outbox, webhook delivery, the event log and its stream. */
@Module({ providers: [OutboxTenantBinding] })
export class EventsModule {}
