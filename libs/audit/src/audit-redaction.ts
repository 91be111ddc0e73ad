import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { REDACTED } from './redaction';

/** Who erases, as an audit entry names them. */
export interface ErasureActor {
  tenant: string;
  actorId: string | null;
  actorRole: string | null;
  requestId: string | null;
}

export interface AuditErasure {
  actor: ErasureActor;
  /** Entries about these records (`entity`, `entity_id`) lose the values of `fields`. */
  records: { entity: string; ids: string[] }[];
  /** Personal fields of those records: `name`, `email`, … */
  fields: string[];
  /**
   * Values (an e-mail address) whose every mention in any entry's `changes` is redacted, whatever the
   * field: a JSON string equal to one (case-insensitive), alone or inside a before/after.
   */
  needles: string[];
  /** What the erasure entry says besides the entries it redacted (no personal value). */
  summary: Record<string, unknown>;
}

export interface AuditErasureResult {
  /** The `privacy.erase` entry, in the chain. */
  entryId: string;
  redacted: number;
}

function likePattern(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Redacts a person's values from the tenant's audit trail and records the erasure in it, inside the
 * caller's transaction (`em` must be in one). The entries stay — the trail is the legal record of
 * who did what — but their personal values become `[redacted]`. Their hashes covered a digest of
 * `changes`, not the values (Migration20261207181000), so the chain still verifies; the new
 * `privacy.erase` entry lists every redacted entry, and the verifier accepts a redacted entry only
 * when such an entry lists it. The entry is written first: the database refuses a redaction no
 * erasure entry records.
 */
export async function eraseFromAuditTrail(em: EntityManager, erasure: AuditErasure): Promise<AuditErasureResult> {
  const connection = em.getConnection();
  const trx = em.getTransactionContext();
  const about = new Set<string>();
  for (const { entity, ids } of erasure.records) {
    if (!ids.length) continue;
    const rows = await connection.execute<{ id: string }[]>(
      'select id from audit_logs where entity = ? and entity_id = any(?::text[])',
      [entity, `{${ids.join(',')}}`],
      'all',
      trx,
    );
    for (const row of rows) about.add(row.id);
  }
  const mentioning = new Set<string>();
  // Matched as whole JSON strings (quotes included): erasing bob@x.test leaves jimbob@x.test alone.
  const needles = erasure.needles.filter(Boolean).map((needle) => JSON.stringify(needle));
  for (const needle of needles) {
    const rows = await connection.execute<{ id: string }[]>(
      "select id from audit_logs where changes::text ilike ? escape '\\'",
      [likePattern(needle)],
      'all',
      trx,
    );
    for (const row of rows) if (!about.has(row.id)) mentioning.add(row.id);
  }
  const entryId = randomUUID();
  const redactedEntries = [...about, ...mentioning];
  const { actor } = erasure;
  await connection.execute(
    `insert into audit_logs (id, tenant, actor_id, actor_role, action, entity, entity_id, changes, outcome, request_id)
     values (?, ?, ?, ?, 'privacy.erase', 'privacy_request', ?, ?::jsonb, 'success', ?)`,
    [
      entryId,
      actor.tenant,
      actor.actorId,
      actor.actorRole,
      String(erasure.summary.request ?? ''),
      JSON.stringify({ ...erasure.summary, redactedEntries }),
      actor.requestId,
    ],
    'run',
    trx,
  );
  let redacted = 0;
  const redact = async (ids: string[], fields: string[]) => {
    if (!ids.length) return;
    const [row] = await connection.execute<{ n: number }[]>(
      'select audit_logs_redact(?::uuid[], ?::text[], ?::text[], ?, ?) as n',
      [`{${ids.join(',')}}`, toTextArray(fields), toTextArray(needles), REDACTED, entryId],
      'all',
      trx,
    );
    redacted += Number(row?.n ?? 0);
  };
  await redact([...about], erasure.fields);
  await redact([...mentioning], []);
  return { entryId, redacted };
}

/** A PostgreSQL text[] literal. */
function toTextArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
