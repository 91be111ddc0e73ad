import { beforeAndAfter, changes, eventSource, lifecycleType } from '@app/events';
import { Deal, toDealView } from './deals/deal.entity';
import { Lead, toLeadView } from './leads/lead.entity';
import { heldRulesOf } from './custom-fields/custom-field-registry';

/**
 * Leads' changes: `lead.converted` over `lead.assigned` (owner changed) over `lead.updated`. Staff
 * see a lead's event when they owned it before or after the change (a lead reassigned away from
 * them still shows them the reassignment).
 */
export const LEAD_EVENT_SOURCE = eventSource<Lead>({
  entity: Lead,
  name: 'lead',
  types: ['lead.converted', 'lead.assigned', 'lead.created', 'lead.deleted', 'lead.updated'],
  view: (lead, database) => toLeadView(lead, heldRulesOf(database, 'lead')),
  visibleTo: (cs) => beforeAndAfter(cs, 'ownerId'),
  type: (cs) =>
    lifecycleType('lead', cs) ??
    (changes(cs, 'status') && cs.entity.status === 'converted'
      ? 'lead.converted'
      : changes(cs, 'ownerId')
        ? 'lead.assigned'
        : 'lead.updated'),
});

/** Deals' changes: `deal.stage_changed` when the stage changed, else `deal.updated`. */
export const DEAL_EVENT_SOURCE = eventSource<Deal>({
  entity: Deal,
  name: 'deal',
  types: ['deal.stage_changed', 'deal.created', 'deal.deleted', 'deal.updated'],
  view: (deal, database) => toDealView(deal, heldRulesOf(database, 'deal')),
  visibleTo: (cs) => beforeAndAfter(cs, 'ownerId'),
  type: (cs) => lifecycleType('deal', cs) ?? (changes(cs, 'stage') ? 'deal.stage_changed' : 'deal.updated'),
});
