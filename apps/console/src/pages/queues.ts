import { session } from '../api';
import { h } from '../dom';
import type { Page } from '../router';

/**
 * The queues: Bull Board has its own assets and scripts, so it opens in its own tab (at
 * /platform/queues, with Redis only) and /ops keeps its strict content security policy.
 */
export const queuesPage: Page = (ctx) => {
  const open = h('button', { type: 'button' }, 'Open Bull Board in a new tab');
  open.addEventListener('click', () => {
    // The board takes the token once in its address, then keeps it in an HttpOnly cookie.
    const url = `/platform/queues?token=${encodeURIComponent(session.token ?? '')}`;
    window.open(url, '_blank', 'noopener');
  });
  ctx.render(
    'Queues',
    h(
      'p',
      {},
      'Onboarding, migrations, offboarding, relocations, exports and webhooks run as jobs. ',
      'Bull Board shows each queue: waiting, active, failed and completed jobs, with retries.',
    ),
    h('p', {}, 'The board needs Redis (REDIS_URL); without it jobs run in-process and there is no board.'),
    open,
  );
};
