import { api, problemText } from '../api';
import { field, h, select } from '../dom';
import type { Page } from '../router';

/** Onboard a tenant: 202, then the tenant's page follows its provisioning live. */
export const onboardPage: Page = async (ctx) => {
  const [plans, servers] = await Promise.all([
    api.GET('/api/v1/platform/plans', { params: { query: { limit: 100 } } }),
    api.GET('/api/v1/platform/servers', { params: { query: { limit: 100 } } }),
  ]);
  const error = h('p', { class: 'error', role: 'alert' });
  const input = (name: string, attrs: Record<string, string | boolean> = {}) =>
    h('input', { name, required: true, ...attrs });
  const form = h(
    'form',
    { class: 'stack' },
    field('Slug', input('slug', { pattern: '[a-z][a-z0-9\\-]{1,38}[a-z0-9]', autocomplete: 'off' })),
    field('Company name', input('name', { autocomplete: 'organization' })),
    field(
      'Plan',
      select(
        'plan',
        (plans.data?.data ?? []).map((p) => [p.code, p.name]),
        'standard',
      ),
    ),
    field(
      'Database server',
      select('dbServer', [
        ['', 'Least loaded general server'],
        ...(servers.data?.data ?? []).map((s): [string, string] => [s.name, s.name]),
      ]),
    ),
    field('Admin email', input('adminEmail', { type: 'email', autocomplete: 'off' })),
    field('Admin name', input('adminName', { autocomplete: 'off' })),
    field(
      'Admin password (12 characters or more)',
      input('adminPassword', { type: 'password', minlength: '12', autocomplete: 'new-password' }),
    ),
    h('button', { type: 'submit' }, 'Onboard'),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      const data = new FormData(form);
      const text = (key: string) => String(data.get(key) ?? '');
      const {
        data: tenant,
        error: problem,
        response,
      } = await api.POST('/api/v1/platform/tenants', {
        body: {
          slug: text('slug'),
          name: text('name'),
          plan: text('plan') || undefined,
          dbServer: text('dbServer') || undefined,
          adminEmail: text('adminEmail'),
          adminName: text('adminName'),
          adminPassword: text('adminPassword'),
        },
      });
      if (!tenant) {
        error.textContent = problemText(problem, response);
        return;
      }
      ctx.go(`/ops/tenants/${tenant.slug}`);
    })();
  });
  ctx.render('Onboard a tenant', form);
};
