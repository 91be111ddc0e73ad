import { customIndexStatement } from './tenant-indexes';

describe('custom field index statements', () => {
  it('builds a btree over the jsonb value and the id, a unique one over the value alone, a GIN for lists', () => {
    const base = { table: 'leads' as const, name: 'cf_lead_size', key: 'size' };
    expect(customIndexStatement({ ...base, method: 'btree', unique: false })).toBe(
      `create index concurrently "cf_lead_size" on "leads" using btree (("custom_fields" -> 'size'), "id")`,
    );
    expect(customIndexStatement({ ...base, method: 'btree', unique: true })).toBe(
      `create unique index concurrently "cf_lead_size" on "leads" using btree (("custom_fields" -> 'size'))`,
    );
    expect(customIndexStatement({ ...base, method: 'gin', unique: false })).toContain('using gin');
  });

  it.each([
    ['a key with a quote', { key: "a'b" }],
    ['a name without the cf_ prefix', { name: 'leads_pkey' }],
    ['another table', { table: 'users' }],
  ])('refuses %s', (_what, change) => {
    const index = { table: 'leads', name: 'cf_lead_a', key: 'a', method: 'btree', unique: false, ...change };
    expect(() => customIndexStatement(index as Parameters<typeof customIndexStatement>[0])).toThrow();
  });
});
