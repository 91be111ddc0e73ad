export { EventsModule } from './events.module';
export { EVENTS_TENANT_MIGRATIONS } from './migrations';
export { beforeAndAfter, changes, eventSource, lifecycleType } from './outbox/event-source';
export type { EventSource } from './outbox/event-source';
export { OutboxEvent, OutboxHead } from './outbox/outbox-event.entity';
export { OutboxSignal, outboxSignal } from './outbox/outbox-signal';
export type { OutboxCommit, OutboxListener } from './outbox/outbox-signal';
export { OutboxSubscriber } from './outbox/outbox.subscriber';
export { USER_EVENT_SOURCE } from './outbox/user.event-source';
