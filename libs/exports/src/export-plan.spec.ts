import { omittedColumns, quoteIdent, SKIPPED_TABLES } from './export-plan';

describe('what an export leaves out', () => {
  it('leaves out password hashes and token versions of users, and nothing else of them', () => {
    expect(omittedColumns('users', ['id', 'email', 'name', 'password_hash', 'role', 'token_version'])).toEqual([
      'password_hash',
      'token_version',
    ]);
  });

  it('leaves out the hash of an API key but keeps its prefix', () => {
    expect(omittedColumns('api_keys', ['id', 'name', 'key_hash', 'key_prefix'])).toEqual(['key_hash']);
  });

  it("keeps the audit chain's public hashes and leaves out the per-entry salt", () => {
    expect(omittedColumns('audit_logs', ['id', 'hash', 'prev_hash', 'changes_digest', 'changes_salt'])).toEqual([
      'changes_salt',
    ]);
  });

  it('leaves out a secret-looking column a later table gains, without being told (fail closed)', () => {
    expect(omittedColumns('webhooks', ['id', 'url', 'signing_secret', 'previous_secret', 'events'])).toEqual([
      'signing_secret',
      'previous_secret',
    ]);
    expect(omittedColumns('integrations', ['id', 'oauth_token', 'api_key', 'apiKey'])).toEqual([
      'oauth_token',
      'api_key',
      'apiKey',
    ]);
  });

  it('keeps every column of leads and deals', () => {
    const leads = ['id', 'name', 'email', 'phone', 'company', 'source', 'status', 'owner_id'];
    expect(omittedColumns('leads', leads)).toEqual([]);
    expect(omittedColumns('deals', ['id', 'title', 'amount', 'currency', 'lead_id'])).toEqual([]);
  });

  it('skips the sign-in secrets, the idempotency ledger and the migrations table, each with a reason', () => {
    expect(Object.keys(SKIPPED_TABLES).sort()).toEqual([
      'idempotency_commits',
      'mikro_orm_migrations',
      'refresh_tokens',
    ]);
    expect(Object.values(SKIPPED_TABLES).every((reason) => reason.length > 10)).toBe(true);
  });

  it('quotes identifiers, doubling quotes inside them', () => {
    expect(quoteIdent('leads')).toBe('"leads"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
  });
});
