import { api, problemText, type Schemas } from '../api';
import { announce, field, h, select, table, time } from '../dom';
import type { Page, PageContext } from '../router';

type Tenant = Schemas['TenantView'];
type Action = 'suspend' | 'resume' | 'retry' | 'offboard' | 'relocate';

const MOVING: Schemas['RelocationStatus'][] = ['copying', 'verifying', 'cutting-over'];

/** The actions a tenant in this status allows. */
function actionsFor(status: Tenant['status']): Action[] {
  switch (status) {
    case 'active':
      return ['suspend', 'relocate', 'offboard'];
    case 'suspended':
      return ['resume', 'relocate', 'offboard'];
    case 'failed':
      return ['retry', 'offboard'];
    case 'provisioning':
    case 'offboarded':
      return [];
  }
}

async function perform(action: Action, slug: string, targetServer: string) {
  const path = { params: { path: { slug } } };
  switch (action) {
    case 'suspend':
      return api.POST('/api/v1/platform/tenants/{slug}/suspend', path);
    case 'resume':
      return api.POST('/api/v1/platform/tenants/{slug}/resume', path);
    case 'retry':
      return api.POST('/api/v1/platform/tenants/{slug}/retry', path);
    case 'offboard':
      return api.DELETE('/api/v1/platform/tenants/{slug}', path);
    case 'relocate':
      return api.POST('/api/v1/platform/tenants/{slug}/relocations', { ...path, body: { targetServer } });
  }
}

/** A destructive action's confirmation: the button works once the slug is typed exactly. */
function confirmation(
  ctx: PageContext,
  tenant: Tenant,
  action: Action,
  servers: string[],
  done: () => void,
): HTMLElement {
  const typed = h('input', { name: 'confirm', autocomplete: 'off', spellcheck: 'false' });
  const target = select(
    'targetServer',
    servers.filter((s) => s !== tenant.dbServer).map((s): [string, string] => [s, s]),
  );
  const go = h('button', { type: 'submit', class: 'danger', disabled: true }, `Confirm ${action}`);
  const error = h('p', { class: 'error', role: 'alert' });
  typed.addEventListener('input', () => (go.disabled = typed.value !== tenant.slug));
  const form = h(
    'form',
    { class: 'confirm stack', 'aria-label': `Confirm ${action}` },
    h('p', {}, `To ${action} ${tenant.slug}, type its slug.`),
    action === 'relocate' ? field('Target server', target) : null,
    field(`Type ${tenant.slug} to confirm`, typed),
    h('div', { class: 'actions' }, go, h('button', { type: 'button', class: 'secondary', onclick: done }, 'Cancel')),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (typed.value !== tenant.slug) return;
    void (async () => {
      go.disabled = true;
      const answer = await perform(action, tenant.slug, target.value);
      if (!answer.data) {
        error.textContent = problemText(answer.error, answer.response);
        go.disabled = false;
        return;
      }
      announce(`${action}: done for ${tenant.slug}.`);
      done();
      if (!ctx.left) ctx.go(`/ops/tenants/${tenant.slug}`);
    })();
  });
  queueMicrotask(() => typed.focus());
  return form;
}

/** A tenant: status, placement, schema, onboarding steps, usage, relocations, support sessions; actions. */
export const tenantPage: Page = async (ctx) => {
  const slug = ctx.params.slug;
  const path = { params: { path: { slug } } };
  const servers = (await api.GET('/api/v1/platform/servers', { params: { query: { limit: 100 } } })).data?.data ?? [];
  let pending: Action | null = null;
  let lastStatus = '';

  const draw = async (): Promise<boolean> => {
    const answer = await api.GET('/api/v1/platform/tenants/{slug}', path);
    const tenant = answer.data;
    if (!tenant) {
      ctx.render(
        `Tenant ${slug}`,
        h('p', { class: 'error', role: 'alert' }, problemText(answer.error, answer.response)),
      );
      return false;
    }
    const active = tenant.status === 'active';
    const [usage, relocations, sessions] = await Promise.all([
      active ? api.GET('/api/v1/platform/tenants/{slug}/usage', path) : null,
      api.GET('/api/v1/platform/tenants/{slug}/relocations', { params: { path: { slug }, query: { limit: 20 } } }),
      active
        ? api.GET('/api/v1/platform/tenants/{slug}/impersonations', {
            params: { path: { slug }, query: { limit: 20 } },
          })
        : null,
    ]);
    const moving = (relocations.data?.data ?? []).some((r) => MOVING.includes(r.status));
    if (tenant.status !== lastStatus) {
      if (lastStatus) announce(`${tenant.slug} is now ${tenant.status}.`);
      lastStatus = tenant.status;
    }
    const actions = h(
      'div',
      { class: 'actions' },
      actionsFor(tenant.status).map((action) =>
        h(
          'button',
          {
            type: 'button',
            class: action === 'resume' || action === 'retry' ? null : 'danger',
            onclick: () => {
              pending = action;
              void draw();
            },
          },
          action[0].toUpperCase() + action.slice(1),
        ),
      ),
    );
    const limits: Record<string, number | undefined> = { ...usage?.data?.limits };
    ctx.render(
      `Tenant ${tenant.slug}`,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Name'),
        h('dd', {}, tenant.name),
        h('dt', {}, 'Status'),
        h('dd', {}, h('span', { class: `status status-${tenant.status}` }, tenant.status)),
        h('dt', {}, 'Plan'),
        h('dd', {}, tenant.plan),
        h('dt', {}, 'Database server'),
        h('dd', {}, tenant.dbServer),
        h('dt', {}, 'Schema version'),
        h('dd', {}, tenant.schemaVersion ?? 'none yet'),
        h('dt', {}, 'Created'),
        h('dd', {}, time(tenant.createdAt)),
        h('dt', {}, 'Activated'),
        h('dd', {}, time(tenant.activatedAt)),
        tenant.error ? [h('dt', {}, 'Error'), h('dd', { class: 'error' }, tenant.error)] : null,
      ),
      h('h2', {}, 'Actions'),
      pending
        ? confirmation(
            ctx,
            tenant,
            pending,
            servers.map((s) => s.name),
            () => {
              pending = null;
              void draw();
            },
          )
        : actions,
      h('h2', {}, 'Onboarding steps'),
      tenant.steps.length
        ? h(
            'ol',
            { class: 'timeline' },
            tenant.steps.map((s) => h('li', {}, h('strong', {}, s.step), ` at ${time(s.at)} (${s.ms} ms)`)),
          )
        : h(
            'p',
            {},
            tenant.status === 'provisioning' ? 'Provisioning has not recorded a step yet.' : 'No step recorded.',
          ),
      tenant.status === 'provisioning' ? h('p', { role: 'status' }, 'Provisioning… this page follows it live.') : null,
      h('h2', {}, 'Usage'),
      usage?.data
        ? table(
            'Records in use against the plan',
            [
              { title: 'Resource', cell: ([k]) => k },
              { title: 'Used', num: true, cell: ([, n]) => n },
              { title: 'Limit', num: true, cell: ([k]) => limits[k] ?? 'unlimited' },
            ],
            Object.entries(usage.data.used),
          )
        : h('p', {}, 'Usage is read from an active tenant only.'),
      h('h2', {}, 'Relocations'),
      table(
        'Relocations',
        [
          { title: 'Status', cell: (r) => r.status },
          { title: 'From', cell: (r) => r.fromServer },
          { title: 'To', cell: (r) => r.toServer },
          { title: 'Phases', cell: (r) => r.phases.map((p) => p.phase).join(' → ') || '–' },
          { title: 'Started', cell: (r) => time(r.startedAt) },
          { title: 'Write freeze', num: true, cell: (r) => (r.writeFreezeMs === null ? '–' : `${r.writeFreezeMs} ms`) },
          { title: 'Error', cell: (r) => r.error ?? '' },
        ],
        relocations.data?.data ?? [],
      ),
      h('h2', {}, 'Support sessions'),
      sessions?.data
        ? table(
            'Support sessions',
            [
              { title: 'Status', cell: (s) => s.status },
              { title: 'Platform user', cell: (s) => s.platformUserEmail },
              { title: 'For user', cell: (s) => s.userEmail ?? s.userId },
              { title: 'Reason', cell: (s) => s.reason },
              { title: 'Requested', cell: (s) => time(s.requestedAt) },
            ],
            sessions.data.data,
          )
        : h('p', {}, 'Support sessions are read from an active tenant only.'),
    );
    // Long work shows live: provisioning and relocations are polled while they run.
    return tenant.status === 'provisioning' || moving;
  };
  if (await draw()) ctx.every(1000, () => (pending ? Promise.resolve(true) : draw()));
};
