/** Every event type the outbox writes (API.md "Events and webhooks"). */
export const EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'lead.deleted',
  'lead.assigned',
  'lead.converted',
  'deal.created',
  'deal.updated',
  'deal.deleted',
  'deal.stage_changed',
  'user.created',
  'user.updated',
  'user.deactivated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
