import { auditAction, auditEntity, changeAction, entityOfAction } from './audit-action';

describe('audit vocabulary', () => {
  it('names an entity in the singular, the same from its class and from its route', () => {
    for (const [className, route] of [
      ['Lead', 'leads'],
      ['Deal', 'deals'],
      ['User', 'users'],
      ['ApiKey', 'api-keys'],
      ['Tenant', 'tenants'],
      ['RefreshToken', 'refresh-tokens'],
    ]) {
      expect(auditEntity(className)).toBe(auditEntity(route));
    }
    expect(['Lead', 'Deal', 'User', 'ApiKey', 'Tenant'].map(auditEntity)).toEqual([
      'lead',
      'deal',
      'user',
      'api_key',
      'tenant',
    ]);
  });

  it('names a route action <entity>.<verb>', () => {
    expect(auditAction('POST', '/api/v1/leads')).toBe('lead.create');
    expect(auditAction('PATCH', '/api/v1/leads/:id')).toBe('lead.update');
    expect(auditAction('DELETE', '/api/v1/leads/:id')).toBe('lead.delete');
    expect(auditAction('POST', '/api/v1/leads/:id/convert')).toBe('lead.convert');
    expect(auditAction('POST', '/api/v1/deals/:id/assign')).toBe('deal.assign');
    expect(auditAction('POST', '/api/v1/users')).toBe('user.create');
    expect(auditAction('DELETE', '/api/v1/api-keys/:id')).toBe('api_key.delete');
    expect(auditAction('POST', '/api/v1/platform/tenants/:slug/suspend')).toBe('platform.tenant.suspend');
  });

  it('keeps auth.* for sign-in', () => {
    expect(auditAction('POST', '/api/v1/auth/login')).toBe('auth.login');
    expect(auditAction('POST', '/api/v1/auth/refresh')).toBe('auth.refresh');
    expect(auditAction('POST', '/api/v1/platform/auth/login')).toBe('platform.auth.login');
  });

  it('gives a change outside a request the same name as the route would', () => {
    expect(changeAction(auditEntity('User'), 'create')).toBe(auditAction('POST', '/api/v1/users'));
    expect(entityOfAction('lead.update')).toBe('lead');
    expect(entityOfAction('platform.tenant.create')).toBe('tenant');
  });
});
