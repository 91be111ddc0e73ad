import type { TableQuery } from '../ndjson-zip';

/** What an erased required field holds instead of the value (optional ones become null). */
export const ERASED = '[erased]';

/**
 * The fields of leads and deals that describe a person; their values are redacted from the audit trail.
 * Custom values count whole: a tenant's own fields may hold anything about the person.
 */
export const PERSONAL_FIELDS = ['name', 'email', 'phone', 'company', 'title', 'customFields'];

const LEADS = 'select l.id from leads l where lower(l.email) = ?';

/**
 * Every record about the person with that e-mail (lower-case): their leads, the deals of those
 * leads, and the audit entries about either or mentioning the address (as a whole JSON string).
 */
export function accessQueries(email: string): TableQuery[] {
  const quoted = `%${JSON.stringify(email).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return [
    {
      name: 'leads',
      sql: `select to_jsonb(t)::text as line from leads t where t.id in (${LEADS}) order by t.id`,
      params: [email],
    },
    {
      name: 'deals',
      sql: `select to_jsonb(t)::text as line from deals t where t.lead_id in (${LEADS}) order by t.id`,
      params: [email],
    },
    {
      name: 'audit_logs',
      sql: `select (to_jsonb(a) - 'changes_salt')::text as line from audit_logs a
             where (a.entity = 'lead' and a.entity_id in (select id::text from (${LEADS}) p))
                or (a.entity = 'deal' and a.entity_id in (select d.id::text from deals d where d.lead_id in (${LEADS})))
                or a.changes::text ilike ? escape '\\'
             order by a.seq`,
      params: [email, email, quoted],
      omittedColumns: ['changes_salt'],
    },
  ];
}
