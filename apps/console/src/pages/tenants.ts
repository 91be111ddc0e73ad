import { api, problemText, type Schemas } from '../api';
import { field, h, select, table, time } from '../dom';
import type { Page } from '../router';

const STATUSES: Schemas['TenantStatus'][] = ['provisioning', 'active', 'suspended', 'failed', 'offboarded'];
const FILTERS = ['status', 'server', 'plan', 'schemaVersion', 'q'] as const;

function isStatus(value: string | null): value is Schemas['TenantStatus'] {
  return STATUSES.some((status) => status === value);
}

/** The tenants: filters (status, server, plan, schema version), search, pages. */
export const tenantsPage: Page = async (ctx) => {
  const q = ctx.query;
  const page = Math.max(1, Number(q.get('page')) || 1);
  const status = q.get('status');
  const [servers, plans, list] = await Promise.all([
    api.GET('/api/v1/platform/servers', { params: { query: { limit: 100 } } }),
    api.GET('/api/v1/platform/plans', { params: { query: { limit: 100 } } }),
    api.GET('/api/v1/platform/tenants', {
      params: {
        query: {
          page,
          limit: 25,
          status: isStatus(status) ? status : undefined,
          server: q.get('server') || undefined,
          plan: q.get('plan') || undefined,
          schemaVersion: q.get('schemaVersion') || undefined,
          q: q.get('q') || undefined,
        },
      },
    }),
  ]);
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter tenants' },
    field('Search', h('input', { type: 'search', name: 'q', value: q.get('q') ?? '', maxlength: 100 })),
    field('Status', select('status', [['', 'Any'], ...STATUSES.map((s): [string, string] => [s, s])], status ?? '')),
    field(
      'Server',
      select(
        'server',
        [['', 'Any'], ...(servers.data?.data ?? []).map((s): [string, string] => [s.name, s.name])],
        q.get('server') ?? '',
      ),
    ),
    field(
      'Plan',
      select(
        'plan',
        [['', 'Any'], ...(plans.data?.data ?? []).map((p): [string, string] => [p.code, p.name])],
        q.get('plan') ?? '',
      ),
    ),
    field(
      'Schema version',
      h('input', {
        name: 'schemaVersion',
        value: q.get('schemaVersion') ?? '',
        placeholder: 'Migration… or none',
        size: 26,
      }),
    ),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    const data = new FormData(form);
    for (const key of FILTERS) {
      const value = String(data.get(key) ?? '').trim();
      if (value) next.set(key, value);
    }
    ctx.go(`/ops/tenants?${next.toString()}`);
  });
  if (!list.data) {
    ctx.render('Tenants', form, h('p', { class: 'error', role: 'alert' }, problemText(list.error, list.response)));
    return;
  }
  const { data, meta } = list.data;
  const pages = Math.max(1, Math.ceil(meta.total / meta.limit));
  const link = (to: number) => {
    const next = new URLSearchParams(q);
    next.set('page', String(to));
    return `/ops/tenants?${next.toString()}`;
  };
  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    page > 1 ? h('a', { href: link(page - 1) }, 'Previous page') : null,
    h('span', {}, `Page ${page} of ${pages} (${meta.total} tenants)`),
    page < pages ? h('a', { href: link(page + 1) }, 'Next page') : null,
  );
  ctx.render(
    'Tenants',
    h('p', {}, h('a', { href: '/ops/tenants/new' }, 'Onboard a tenant')),
    form,
    table(
      'Tenants',
      [
        { title: 'Slug', cell: (t) => h('a', { href: `/ops/tenants/${t.slug}` }, t.slug) },
        { title: 'Name', cell: (t) => t.name },
        { title: 'Status', cell: (t) => h('span', { class: `status status-${t.status}` }, t.status) },
        { title: 'Plan', cell: (t) => t.plan },
        { title: 'Server', cell: (t) => t.dbServer },
        { title: 'Schema version', cell: (t) => t.schemaVersion ?? '–' },
        { title: 'Created', cell: (t) => time(t.createdAt) },
      ],
      data,
      'no tenant matches.',
    ),
    pager,
  );
};
