import { api, problemText, type Schemas } from '../api';
import { field, h, select, table, time } from '../dom';
import type { Page } from '../router';

const OUTCOMES: Schemas['AuditOutcome'][] = ['success', 'denied', 'failed'];

function isOutcome(value: string | null): value is Schemas['AuditOutcome'] {
  return OUTCOMES.some((o) => o === value);
}

/** The platform audit trail: who did what to which tenant, newest first. */
export const auditPage: Page = async (ctx) => {
  const q = ctx.query;
  const page = Math.max(1, Number(q.get('page')) || 1);
  const outcome = q.get('outcome');
  const answer = await api.GET('/api/v1/platform/audit-logs', {
    params: {
      query: {
        page,
        limit: 50,
        sort: '-at',
        action: q.get('action') || undefined,
        entity: q.get('entity') || undefined,
        outcome: isOutcome(outcome) ? outcome : undefined,
      },
    },
  });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the audit trail' },
    field(
      'Action',
      h('input', { name: 'action', value: q.get('action') ?? '', placeholder: 'platform.tenant.suspend' }),
    ),
    field('Entity', h('input', { name: 'entity', value: q.get('entity') ?? '', placeholder: 'tenant' })),
    field('Outcome', select('outcome', [['', 'Any'], ...OUTCOMES.map((o): [string, string] => [o, o])], outcome ?? '')),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const key of ['action', 'entity', 'outcome']) {
      const value = String(data.get(key) ?? '').trim();
      if (value) next.set(key, value);
    }
    ctx.go(`/ops/audit?${next.toString()}`);
  });
  if (!answer.data) {
    ctx.render(
      'Platform audit',
      form,
      h('p', { class: 'error', role: 'alert' }, problemText(answer.error, answer.response)),
    );
    return;
  }
  const { data, meta } = answer.data;
  const pages = Math.max(1, Math.ceil(meta.total / meta.limit));
  const link = (to: number) => {
    const next = new URLSearchParams(q);
    next.set('page', String(to));
    return `/ops/audit?${next.toString()}`;
  };
  ctx.render(
    'Platform audit',
    form,
    table(
      'Platform audit entries, newest first',
      [
        { title: 'At', cell: (e) => time(e.at) },
        { title: 'Actor', cell: (e) => `${e.actorId ?? 'anonymous'}${e.actorRole ? ` (${e.actorRole})` : ''}` },
        { title: 'Action', cell: (e) => e.action },
        { title: 'Entity', cell: (e) => [e.entity, e.entityId].filter(Boolean).join(' ') || '–' },
        { title: 'Outcome', cell: (e) => e.outcome },
        { title: 'Request', cell: (e) => e.requestId ?? '–' },
      ],
      data,
    ),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      page > 1 ? h('a', { href: link(page - 1) }, 'Newer entries') : null,
      h('span', {}, `Page ${page} of ${pages} (${meta.total} entries)`),
      page < pages ? h('a', { href: link(page + 1) }, 'Older entries') : null,
    ),
  );
};
