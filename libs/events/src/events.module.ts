import { Module } from '@nestjs/common';
import { OutboxWake } from './event-log/outbox-wake';
import { OutboxTenantBinding } from './outbox/outbox-tenant.binding';
import { EventRelay } from './webhooks/event-relay';
import { EventRelayProcessor } from './webhooks/event-relay.processor';
import { EventRelayTrigger } from './webhooks/event-relay.trigger';
import { WebhookDeliveryProcessor } from './webhooks/webhook-delivery.processor';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookNetwork } from './webhooks/webhook-network';
import { WebhookPresence } from './webhooks/webhook-presence';
import { WebhookWake } from './webhooks/webhook-wake';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';

/** The transactional outbox and its wake-ups (API and worker), the relay and webhook delivery. */
@Module({
  controllers: [WebhooksController],
  providers: [
    OutboxTenantBinding,
    OutboxWake,
    WebhookNetwork,
    WebhookWake,
    WebhookPresence,
    WebhooksService,
    WebhookDispatcher,
    EventRelay,
    EventRelayProcessor,
    WebhookDeliveryProcessor,
    EventRelayTrigger,
  ],
  exports: [OutboxWake, WebhookNetwork, WebhookDispatcher, EventRelay],
})
export class EventsModule {}
