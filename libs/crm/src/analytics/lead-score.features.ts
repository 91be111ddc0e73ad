import type { EntityManager } from '@mikro-orm/postgresql';
import { readRows } from '../read-rows';
import type { Matrix } from './logistic-regression';

/** How many of the most frequent sources get a feature each; the rest share `source:other`. */
export const TOP_SOURCES = 8;

/** Domains of free mail providers: an address there says less about a company than its own domain. */
export const FREE_MAIL_DOMAINS = [
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.fr',
  'yahoo.co.uk',
  'hotmail.com',
  'hotmail.fr',
  'outlook.com',
  'live.com',
  'msn.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'web.de',
  'mail.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'orange.fr',
  'free.fr',
  'laposte.net',
  'qq.com',
  '163.com',
];

/**
 * One row per lead, computed in the tenant's database. History features use only the status
 * changes *towards* new, contacted or qualified, never the final move to converted or lost: the
 * label must not leak into the features, and an open lead is scored on what it has so far.
 * Custom select fields are not features yet (the custom-fields branch had not landed).
 */
const FEATURE_ROWS_SQL = (where: string, historyWhere: string) => `
  select l.id, l.status, nullif(l.source, '') as source,
         case when l.email is null or position('@' in l.email) = 0 then 'none'
              when lower(split_part(l.email, '@', 2)) = any($1::text[]) then 'free' else 'corporate' end as email_kind,
         coalesce(l.phone, '') <> '' as has_phone, coalesce(l.company, '') <> '' as has_company,
         extract(epoch from h.first_contact - l.created_at) / 3600 as hours_to_contact,
         coalesce(h.changes, 0)::int as changes, coalesce(h.qualified, false) as qualified
    from leads l
    left join (
      select lead_id,
             min(at) filter (where from_status = 'new' and to_status in ('contacted', 'qualified')) as first_contact,
             count(*) filter (where from_status is not null and to_status in ('new', 'contacted', 'qualified')) as changes,
             bool_or(to_status = 'qualified') as qualified
        from lead_status_history ${historyWhere} group by lead_id
    ) h on h.lead_id = l.id
   ${where}
   order by l.id`;

export interface FeatureRow {
  id: string;
  status: string;
  source: string | null;
  email_kind: 'none' | 'free' | 'corporate';
  has_phone: boolean;
  has_company: boolean;
  hours_to_contact: number | string | null;
  changes: number;
  qualified: boolean;
}

/** The converted (1) and lost (0) leads of the tenant, with their features' raw values. */
export async function labelledRows(em: EntityManager): Promise<FeatureRow[]> {
  return (await readRows(em, FEATURE_ROWS_SQL("where l.status in ('converted', 'lost')", ''), [
    FREE_MAIL_DOMAINS,
  ])) as unknown as FeatureRow[];
}

/** One lead's row (any status), or undefined. */
export async function leadRow(em: EntityManager, id: string): Promise<FeatureRow | undefined> {
  const rows = (await readRows(em, FEATURE_ROWS_SQL('where l.id = $2', 'where lead_id = $2'), [
    FREE_MAIL_DOMAINS,
    id,
  ])) as unknown as FeatureRow[];
  return rows[0];
}

/** The most frequent sources of the training rows (ties by name). */
export function topSources(rows: readonly FeatureRow[]): string[] {
  const counts = new Map<string, number>();
  for (const row of rows) if (row.source) counts.set(row.source, (counts.get(row.source) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_SOURCES)
    .map(([source]) => source);
}

/** The feature names of a model with these top sources, in column order. */
export function featureNames(sources: readonly string[]): string[] {
  return [
    ...sources.map((s) => `source:${s}`),
    'source:other',
    'email:free',
    'email:corporate',
    'has_phone',
    'has_company',
    'log_hours_to_first_contact',
    'never_contacted',
    'status_changes',
    'reached_qualified',
  ];
}

/** A row's raw feature values, in `featureNames(sources)` order. */
export function featureValues(row: FeatureRow, sources: readonly string[]): number[] {
  const hours = row.hours_to_contact === null ? null : Math.max(0, Number(row.hours_to_contact));
  return [
    ...sources.map((s) => (row.source === s ? 1 : 0)),
    row.source && !sources.includes(row.source) ? 1 : 0,
    row.email_kind === 'free' ? 1 : 0,
    row.email_kind === 'corporate' ? 1 : 0,
    row.has_phone ? 1 : 0,
    row.has_company ? 1 : 0,
    hours === null ? 0 : Math.log1p(hours),
    hours === null ? 1 : 0,
    Number(row.changes),
    row.qualified ? 1 : 0,
  ];
}

/** The design matrix and labels of the training rows. */
export function designMatrix(rows: readonly FeatureRow[], sources: readonly string[]): { x: Matrix; y: Uint8Array } {
  const columns = featureNames(sources).length;
  const values = new Float64Array(rows.length * columns);
  const y = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    values.set(featureValues(row, sources), i * columns);
    y[i] = row.status === 'converted' ? 1 : 0;
  });
  return { x: { rows: rows.length, columns, values }, y };
}
