import { toUserView, User } from '@app/auth';
import { changes, eventSource, lifecycleType } from './event-source';

/** Users' changes: `user.created|updated|deactivated`; staff see only their own. Never the password hash. */
export const USER_EVENT_SOURCE = eventSource<User>({
  entity: User,
  name: 'user',
  types: ['user.deactivated', 'user.created', 'user.deleted', 'user.updated'],
  view: (user) => toUserView(user),
  visibleTo: (cs) => [String(cs.getPrimaryKey())],
  type: (cs) =>
    lifecycleType('user', cs) ??
    (changes(cs, 'active') && cs.entity.active === false ? 'user.deactivated' : 'user.updated'),
});
