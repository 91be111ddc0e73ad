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

/** What an endpoint may subscribe to: a type, or every type of one entity (`lead.*`). */
export const EVENT_FILTERS = [...EVENT_TYPES, 'lead.*', 'deal.*', 'user.*'] as const;
export type EventFilter = (typeof EVENT_FILTERS)[number];
