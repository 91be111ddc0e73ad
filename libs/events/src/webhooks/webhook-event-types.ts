import { EVENT_TYPES } from '../outbox/event-types';

/** What an endpoint may subscribe to: a type, or every type of one entity (`lead.*`). */
export const EVENT_FILTERS = [...EVENT_TYPES, 'lead.*', 'deal.*', 'user.*'] as const;
export type EventFilter = (typeof EVENT_FILTERS)[number];
