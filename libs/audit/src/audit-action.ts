const VERBS: Record<string, string> = { POST: 'create', PUT: 'replace', PATCH: 'update', DELETE: 'delete' };

export const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The one vocabulary of the audit trails. An entity name is singular snake_case — the entity
 * class `ApiKey` and the route `/api-keys` are both `api_key`; `Lead` and `/leads` are `lead` —
 * and an action is `<entity>.<verb>`: `lead.create`, `lead.update`, `lead.convert`,
 * `user.delete`, `api_key.create`, `platform.tenant.suspend`. The request's action names every
 * entry its changes write (a conversion's new deal is `entity: "deal"`, `action: "lead.convert"`);
 * a change outside a request (seed, job) is `<entity>.<create|update|delete>`. `auth.*` is the
 * sign-in namespace (`auth.login`, `auth.refresh`, `auth.logout`).
 */
export function auditEntity(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
  return snake.replace(/ies$/, 'y').replace(/([^s])s$/, '$1');
}

/** The action of a change the ORM made outside any request: `user.create` for the seeded admin. */
export function changeAction(entity: string, change: string): string {
  return `${entity}.${change}`;
}

/** The entity an action is about: `lead` for `lead.update`, `tenant` for `platform.tenant.create`. */
export function entityOfAction(action: string): string {
  return action.replace(/^platform\./, '').split('.')[0];
}

/**
 * The action name of a mutating route: `<entity>.<verb>`, the verb from the method or the
 * route's last word — POST /leads → `lead.create`, POST /leads/:id/convert → `lead.convert`,
 * DELETE /users/:id → `user.delete`, POST /platform/tenants/:slug/suspend → `platform.tenant.suspend`.
 */
export function auditAction(method: string, routeUrl: string): string {
  const segments = routeUrl
    .replace(/^\/api\/v\d+/, '')
    .split('/')
    .filter((s) => s && !s.startsWith(':'));
  const platform = segments[0] === 'platform';
  const parts = platform ? segments.slice(1) : segments;
  const resource = parts[0] ? auditEntity(parts[0]) : 'root';
  const named = parts.length > 1 ? parts[parts.length - 1] : undefined;
  const verb = named && !(method === 'POST' && parts.length === 1) ? named : (VERBS[method] ?? method.toLowerCase());
  return `${platform ? 'platform.' : ''}${resource}.${verb}`;
}
