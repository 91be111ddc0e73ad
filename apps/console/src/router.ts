import { h } from './dom';

/** What a page gets: its path parameters and query, a way to draw itself, to move on, and to poll. */
export interface PageContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Replaces the page's content; the first call of a page moves focus to its heading. */
  render(title: string, ...content: (Node | string | null | false)[]): void;
  go(path: string): void;
  /** Calls `work` every `ms` until the page is left (live progress). */
  every(ms: number, work: () => Promise<boolean | void>): void;
  /** True once the page is left: a late answer must not draw over the next page. */
  readonly left: boolean;
}

export type Page = (ctx: PageContext) => Promise<void> | void;

interface Route {
  pattern: RegExp;
  keys: string[];
  page: Page;
}

export const BASE = '/ops';

export class Router {
  private readonly routes: Route[] = [];
  private leave: (() => void) | null = null;

  constructor(
    private readonly main: HTMLElement,
    private readonly fallback: Page,
    private readonly onNavigate: (path: string) => void,
  ) {
    window.addEventListener('popstate', () => void this.show());
    document.addEventListener('click', (event) => {
      const link = event.target instanceof Element ? event.target.closest('a') : null;
      if (!link || link.target || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      const url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin || !url.pathname.startsWith(BASE)) return;
      event.preventDefault();
      this.go(url.pathname + url.search);
    });
  }

  add(path: string, page: Page): this {
    const keys: string[] = [];
    const source = path.replace(/:(\w+)/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ pattern: new RegExp(`^${BASE}${source}/?$`), keys, page });
    return this;
  }

  go(path: string, replace = false): void {
    if (replace) window.history.replaceState(null, '', path);
    else window.history.pushState(null, '', path);
    void this.show();
  }

  async show(): Promise<void> {
    this.leave?.();
    const { pathname, search } = window.location;
    let page = this.fallback;
    const params: Record<string, string> = {};
    for (const route of this.routes) {
      const match = route.pattern.exec(pathname);
      if (!match) continue;
      route.keys.forEach((key, i) => (params[key] = decodeURIComponent(match[i + 1])));
      page = route.page;
      break;
    }
    const timers: number[] = [];
    let left = false;
    let drawn = false;
    this.leave = () => {
      left = true;
      timers.forEach((t) => window.clearTimeout(t));
    };
    this.onNavigate(pathname);
    const ctx: PageContext = {
      params,
      query: new URLSearchParams(search),
      get left() {
        return left;
      },
      render: (title, ...content) => {
        if (left) return;
        document.title = `${title} · Tessera ops`;
        const heading = h('h1', { tabindex: -1 }, title);
        this.main.replaceChildren(heading, ...content.filter((c): c is Node | string => c !== null && c !== false));
        if (!drawn) heading.focus();
        drawn = true;
      },
      go: (path) => this.go(path),
      every: (ms, work) => {
        const tick = async () => {
          if (left) return;
          const more = await work().catch(() => true);
          if (more !== false && !left) timers.push(window.setTimeout(() => void tick(), ms));
        };
        timers.push(window.setTimeout(() => void tick(), ms));
      },
    };
    await page(ctx);
  }
}
