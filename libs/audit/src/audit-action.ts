const VERBS: Record<string, string> = { POST: 'create', PUT: 'replace', PATCH: 'update', DELETE: 'delete' };

export const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The action name of a mutating route: `<resource>.<verb>` — `leads.create`, `leads.update`,
 * `leads.delete`, `leads.assign`, `users.update`, `platform.tenants.create`, `platform.auth.login`.
 */
export function auditAction(method: string, routeUrl: string): string {
  const segments = routeUrl
    .replace(/^\/api\/v\d+/, '')
    .split('/')
    .filter((s) => s && !s.startsWith(':'));
  const platform = segments[0] === 'platform';
  const parts = platform ? segments.slice(1) : segments;
  const resource = parts[0] ?? 'root';
  const named = parts.length > 1 ? parts[parts.length - 1] : undefined;
  const verb = named && !(method === 'POST' && parts.length === 1) ? named : (VERBS[method] ?? method.toLowerCase());
  return `${platform ? 'platform.' : ''}${resource}.${verb}`;
}
