import { isTenantSlug, templateDbName, tenantDbName } from './tenant-slug';

describe('isTenantSlug', () => {
  const forty = 'a' + 'b1-c'.repeat(9) + 'xyz';

  it.each(['abc', 'acme-corp', 'a1b', 'acme-2-corp', forty])('accepts %p', (slug) => {
    expect(isTenantSlug(slug)).toBe(true);
  });

  it('accepts exactly 40 characters', () => {
    expect(forty).toHaveLength(40);
    expect(isTenantSlug(forty)).toBe(true);
  });

  it.each([
    ['too short', 'ab'],
    ['41 characters', 'a'.repeat(41)],
    ['upper case', 'Acme'],
    ['leading dash', '-acme'],
    ['trailing dash', 'acme-'],
    ['underscore', 'acme_x'],
    ['leading digit', '1acme'],
    ['SQL injection', "x'; drop"],
    ['empty', ''],
    ['space inside', 'ac me'],
    ['trailing newline', 'acme\n'],
    ['dot', 'acme.corp'],
  ])('rejects %s (%p)', (_label, slug) => {
    expect(isTenantSlug(slug)).toBe(false);
  });

  it.each([undefined, null, 42, true, ['acme'], { slug: 'acme' }, Symbol('acme')])(
    'rejects the non-string %p',
    (value) => {
      expect(isTenantSlug(value)).toBe(false);
    },
  );
});

describe('tenantDbName', () => {
  it('prefixes the slug and turns dashes into underscores', () => {
    expect(tenantDbName('tenant_', 'acme-corp')).toBe('tenant_acme_corp');
    expect(tenantDbName('t_', 'a-b-c-d')).toBe('t_a_b_c_d');
  });

  it('leaves a slug without dashes unchanged', () => {
    expect(tenantDbName('tenant_', 'acme')).toBe('tenant_acme');
  });
});

describe('templateDbName', () => {
  it('is the prefix followed by _template', () => {
    expect(templateDbName('tenant_')).toBe('tenant__template');
  });

  it.each(['template', 'a-template', 'tem-plate', 'xtemplate', 'tenant-template'])(
    'is not the database name of tenant %p',
    (slug) => {
      expect(isTenantSlug(slug)).toBe(true);
      expect(tenantDbName('tenant_', slug)).not.toBe(templateDbName('tenant_'));
    },
  );

  it('differs from the database name of every valid slug, because a slug never starts with _ or -', () => {
    const prefix = 'tenant_';
    const template = templateDbName(prefix);
    // The only slug that could map onto the template name is one that would have to start with '_' or '-'.
    const candidate = template.slice(prefix.length);
    expect(candidate).toBe('_template');
    expect(isTenantSlug(candidate)).toBe(false);
    expect(isTenantSlug(candidate.replace('_', '-'))).toBe(false);
  });
});
