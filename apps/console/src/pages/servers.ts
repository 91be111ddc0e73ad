import { api, problemText } from '../api';
import { h, table } from '../dom';
import type { Page } from '../router';

/** Database servers: tenants against capacity, pools, connections against the budget. */
export const serversPage: Page = async (ctx) => {
  const answer = await api.GET('/api/v1/platform/servers', { params: { query: { limit: 100 } } });
  if (!answer.data) {
    ctx.render('Servers', h('p', { class: 'error', role: 'alert' }, problemText(answer.error, answer.response)));
    return;
  }
  ctx.render(
    'Servers',
    h('p', {}, 'Pools and connections are those of the instance that answered (each API instance has its own budget).'),
    table(
      'Database servers',
      [
        { title: 'Server', cell: (s) => (s.active ? s.name : `${s.name} (retired)`) },
        { title: 'Tags', cell: (s) => s.tags.join(', ') || '–' },
        { title: 'Tenants / capacity', num: true, cell: (s) => `${s.tenants} / ${s.capacity}` },
        { title: 'Pooler', cell: (s) => s.pooler ?? 'direct' },
        { title: 'Pools connected / max', num: true, cell: (s) => `${s.pools.connected} / ${s.pools.max}` },
        {
          title: 'Pools open, in use, waiting',
          num: true,
          cell: (s) => `${s.pools.open}, ${s.pools.inUse}, ${s.pools.waiting}`,
        },
        {
          title: 'Connections held / budget',
          num: true,
          cell: (s) => `${s.connections.held} / ${s.connections.budget ?? 'not opened yet'}`,
        },
        { title: 'Evictions', num: true, cell: (s) => s.pools.evictions },
      ],
      answer.data.data,
    ),
  );
};
