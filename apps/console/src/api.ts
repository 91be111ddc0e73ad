import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

/** Only the platform routes: a call to any other path does not type-check. */
export type PlatformPaths = {
  [P in keyof paths as P extends `/api/v1/platform/${string}` ? P : never]: paths[P];
};
export type Schemas = components['schemas'];

const REFRESH_KEY = 'tessera.console.refresh';

/**
 * The platform session: the access token lives in memory only; the refresh token in
 * sessionStorage (this tab, gone when it closes), so a reload signs in again without a password.
 */
class Session {
  private access: string | null = null;
  private timer: number | undefined;
  private refreshing: Promise<boolean> | null = null;
  onSignedOut: () => void = () => undefined;

  get signedIn(): boolean {
    return this.access !== null;
  }

  get token(): string | null {
    return this.access;
  }

  hasRefresh(): boolean {
    return sessionStorage.getItem(REFRESH_KEY) !== null;
  }

  keep(pair: Schemas['TokenPair']): void {
    this.access = pair.accessToken;
    sessionStorage.setItem(REFRESH_KEY, pair.refreshToken);
    window.clearTimeout(this.timer);
    // Refresh at four fifths of the token's life, before any request meets a 401.
    this.timer = window.setTimeout(() => void this.refresh(), Math.max(5, pair.expiresIn * 0.8) * 1000);
  }

  clear(): void {
    this.access = null;
    sessionStorage.removeItem(REFRESH_KEY);
    window.clearTimeout(this.timer);
  }

  /** One refresh at a time; false when the refresh token is spent or missing (signed out). */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    if (!refreshToken) return false;
    const { data } = await api.POST('/api/v1/platform/auth/refresh', { body: { refreshToken } });
    if (!data) {
      this.clear();
      this.onSignedOut();
      return false;
    }
    this.keep(data);
    return true;
  }
}

export const session = new Session();

const bearer: Middleware = {
  onRequest({ request }) {
    if (session.token && !/\/platform\/auth\/(login|refresh)$/.test(new URL(request.url).pathname))
      request.headers.set('authorization', `Bearer ${session.token}`);
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status !== 401 || new URL(request.url).pathname.includes('/platform/auth/')) return response;
    // An expired access token: refresh once and replay the request.
    if (!(await session.refresh())) return response;
    const retry = request.clone();
    retry.headers.set('authorization', `Bearer ${session.token}`);
    return fetch(retry);
  },
};

export const api = createClient<PlatformPaths>({ baseUrl: window.location.origin });
api.use(bearer);

/** The problem+json's field messages or detail of a failed call, for an error message. */
export function problemText(error: Partial<Schemas['Problem']> | undefined, response: Response): string {
  const fields = error?.errors?.map((e) => e.message).join('; ');
  return fields || error?.detail || error?.title || `The server answered ${response.status}.`;
}
