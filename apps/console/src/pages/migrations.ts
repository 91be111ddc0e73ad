import { api, problemText } from '../api';
import { announce, h, table, time } from '../dom';
import type { Page } from '../router';

/** Fleet migrations: tenants per schema version, behind, failures with errors; run one and watch it. */
export const migrationsPage: Page = async (ctx) => {
  const error = h('p', { class: 'error', role: 'alert' });
  const draw = async (): Promise<boolean> => {
    const answer = await api.GET('/api/v1/platform/migrations');
    const fleet = answer.data;
    if (!fleet) {
      ctx.render(
        'Fleet migrations',
        h('p', { class: 'error', role: 'alert' }, problemText(answer.error, answer.response)),
      );
      return false;
    }
    const run = fleet.lastRun;
    const running = run?.status === 'running';
    const start = h(
      'button',
      { type: 'button', disabled: running || fleet.behind === 0 },
      'Migrate the tenants behind',
    );
    start.addEventListener('click', () => {
      void (async () => {
        start.disabled = true;
        const started = await api.POST('/api/v1/platform/migrations', { body: {} });
        if (!started.data) {
          error.textContent = problemText(started.error, started.response);
          start.disabled = false;
          return;
        }
        announce(`Fleet migration started: ${started.data.total} tenants.`);
        if (await draw()) ctx.every(1000, draw);
      })();
    });
    ctx.render(
      'Fleet migrations',
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Latest version'),
        h('dd', {}, h('code', {}, fleet.latest)),
        h('dt', {}, 'Tenants'),
        h('dd', {}, fleet.tenants),
        h('dt', {}, 'Up to date'),
        h('dd', {}, fleet.upToDate),
        h('dt', {}, 'Behind'),
        h('dd', {}, fleet.behind),
      ),
      h('div', { class: 'actions' }, start),
      error,
      run
        ? h(
            'section',
            { 'aria-labelledby': 'run-heading' },
            h('h2', { id: 'run-heading' }, running ? 'Run in progress' : 'Last run'),
            h(
              'label',
              {},
              `${run.done} of ${run.total} tenants done, ${run.failed} failed`,
              h('progress', { max: Math.max(run.total, 1), value: run.done }),
            ),
            h(
              'p',
              {},
              `Started ${time(run.startedAt)}; ${run.finishedAt ? `finished ${time(run.finishedAt)}` : 'running'}.`,
            ),
          )
        : null,
      h('h2', {}, 'Tenants per schema version'),
      table(
        'Tenants per schema version',
        [
          { title: 'Version', cell: (v) => v.version ?? 'none' },
          { title: 'Tenants', num: true, cell: (v) => v.tenants },
        ],
        fleet.versions,
      ),
      h('h2', {}, 'Failed'),
      table(
        'Tenants the last run could not migrate',
        [
          { title: 'Tenant', cell: (f) => h('a', { href: `/ops/tenants/${f.slug}` }, f.slug) },
          { title: 'From', cell: (f) => f.from ?? 'none' },
          { title: 'Error', cell: (f) => f.error },
          { title: 'At', cell: (f) => time(f.at) },
        ],
        fleet.failed,
      ),
      h('h2', {}, 'Behind'),
      fleet.behindTenants.length
        ? h(
            'ul',
            {},
            fleet.behindTenants.map((slug) => h('li', {}, h('a', { href: `/ops/tenants/${slug}` }, slug))),
          )
        : h('p', {}, 'Every tenant is at the latest version.'),
    );
    if (running) return true;
    if (run?.finishedAt) announce(`Fleet migration finished: ${run.done} done, ${run.failed} failed.`);
    return false;
  };
  if (await draw()) ctx.every(1000, draw);
};
