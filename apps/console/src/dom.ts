/** A tiny DOM builder: elements with attributes and children, never HTML strings (no injection, no inline code). */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** `2026-12-08T00:12:00.000Z` → `2026-12-08 00:12:00 UTC`; null → an en dash. */
export function time(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : '–';
}

/** A table with a caption, header cells with scope, and one row per item (`empty` when none). */
export function table<T>(
  caption: string,
  columns: { title: string; num?: boolean; cell: (row: T) => Child }[],
  rows: T[],
  empty = 'None.',
): HTMLElement {
  if (!rows.length) return h('p', {}, `${caption}: ${empty}`);
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.title)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(row))),
        ),
      ),
    ),
  );
}

/** A labelled field. */
export function field(label: string, control: HTMLElement): HTMLLabelElement {
  return h('label', {}, label, control);
}

export function select(name: string, options: [string, string][], value = ''): HTMLSelectElement {
  return h(
    'select',
    { name },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
}

/** Says `message` to screen readers (the polite live region). */
export function announce(message: string): void {
  const region = document.getElementById('status');
  if (region) region.textContent = message;
}
