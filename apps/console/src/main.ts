import { api, session } from './api';
import { h } from './dom';
import { auditPage } from './pages/audit';
import { migrationsPage } from './pages/migrations';
import { onboardPage } from './pages/onboard';
import { queuesPage } from './pages/queues';
import { serversPage } from './pages/servers';
import { signInPage } from './pages/sign-in';
import { tenantPage } from './pages/tenant';
import { tenantsPage } from './pages/tenants';
import { type Page, Router } from './router';

const SECTIONS: [string, string][] = [
  ['/ops/tenants', 'Tenants'],
  ['/ops/tenants/new', 'Onboard'],
  ['/ops/servers', 'Servers'],
  ['/ops/migrations', 'Migrations'],
  ['/ops/queues', 'Queues'],
  ['/ops/audit', 'Audit'],
];

const nav = document.getElementById('nav')!;
const signOut = document.getElementById('sign-out')!;
const main = document.getElementById('main')!;

function showChrome(signedIn: boolean): void {
  nav.hidden = !signedIn;
  signOut.hidden = !signedIn;
}

function markCurrent(path: string): void {
  nav.replaceChildren(
    h(
      'ul',
      {},
      SECTIONS.map(([href, text]) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href,
              'aria-current':
                path === href ||
                (href === '/ops/tenants' && path.startsWith('/ops/tenants/') && path !== '/ops/tenants/new')
                  ? 'page'
                  : null,
            },
            text,
          ),
        ),
      ),
    ),
  );
}

/** Every page but sign-in needs a session: without one, sign in first and come back. */
function guarded(page: Page): Page {
  return async (ctx) => {
    if (!session.signedIn && !(await session.refresh())) {
      const here = window.location.pathname + window.location.search;
      ctx.go(`/ops/sign-in?next=${encodeURIComponent(here)}`);
      return;
    }
    showChrome(true);
    await page(ctx);
  };
}

const notFound: Page = (ctx) => {
  ctx.render('Not found', h('p', {}, 'No such page. ', h('a', { href: '/ops/tenants' }, 'Go to the tenants.')));
};

const router = new Router(main, guarded(notFound), markCurrent)
  .add(
    '/sign-in',
    signInPage(() => showChrome(true)),
  )
  .add('', guarded(tenantsPage))
  .add('/tenants', guarded(tenantsPage))
  .add('/tenants/new', guarded(onboardPage))
  .add('/tenants/:slug', guarded(tenantPage))
  .add('/servers', guarded(serversPage))
  .add('/migrations', guarded(migrationsPage))
  .add('/queues', guarded(queuesPage))
  .add('/audit', guarded(auditPage));

session.onSignedOut = () => {
  showChrome(false);
  router.go('/ops/sign-in', true);
};

signOut.addEventListener('click', () => {
  void (async () => {
    if (session.signedIn) await api.POST('/api/v1/platform/auth/logout').catch(() => undefined);
    session.clear();
    showChrome(false);
    router.go('/ops/sign-in');
  })();
});

void router.show();
