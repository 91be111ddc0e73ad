import { APP_CONFIG, AppConfig } from '@app/config';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AuthErrors } from './auth.exception';

/** Tenant refresh tokens live in the tenant's database; platform ones in the catalog. */
export type RefreshTable = 'refresh_tokens' | 'platform_refresh_tokens';

export interface IssuedRefresh {
  token: string;
  familyId: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Opaque refresh tokens in families. Each refresh spends the token and issues the next one
 * of the same family; presenting a spent token again means it was stolen, so the whole
 * family is revoked. A family ends REFRESH_FAMILY_TTL after sign-in whatever the rotations.
 * Only SHA-256 hashes are stored (the tokens carry 256 random bits).
 */
@Injectable()
export class RefreshTokens {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The first refresh token of a new sign-in (a new family). */
  async issue(em: EntityManager, table: RefreshTable, subjectId: string, prefix: string): Promise<IssuedRefresh> {
    const token = `${prefix}.${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    const familyExpiresAt = new Date(now + this.config.jwt.refreshFamilyTtlSeconds * 1000);
    const expiresAt = new Date(Math.min(now + this.config.jwt.refreshTtlSeconds * 1000, familyExpiresAt.getTime()));
    const familyId = randomUUID();
    await em
      .getConnection()
      .execute(
        `insert into ${table} (id, subject_id, family_id, token_hash, expires_at, family_expires_at) values (?, ?, ?, ?, ?, ?)`,
        [randomUUID(), subjectId, familyId, hashToken(token), expiresAt, familyExpiresAt],
      );
    return { token, familyId };
  }

  /**
   * Spends a refresh token and issues the next one of its family, as one step per family.
   * The spend is one conditional UPDATE; spend and issue run in one transaction under a
   * transaction-scoped advisory lock of the family, and the next token is only inserted while
   * no row of the family is revoked. A concurrent second use of the same token waits for the
   * first to commit, finds it spent and revokes the family, the winner's new token included
   * (`onReuse` then ends the family's access tokens). `load` reads the token's subject (null:
   * refused) before anything is spent.
   */
  async rotate<T>(
    em: EntityManager,
    table: RefreshTable,
    token: string,
    prefix: string,
    load: (subjectId: string) => Promise<T | null>,
    onReuse?: (reused: { familyId: string; subjectId: string }) => Promise<void>,
  ): Promise<{ subject: T; refresh: IssuedRefresh }> {
    const hash = hashToken(token);
    const [known]: { subject_id: string; family_id: string }[] = await em.execute(
      `select subject_id, family_id from ${table} where token_hash = ?`,
      [hash],
    );
    if (!known) throw AuthErrors.badRefresh();
    const subject = await load(known.subject_id);
    if (!subject) throw AuthErrors.badRefresh();
    const next = `${prefix}.${randomBytes(32).toString('base64url')}`;
    const outcome = await em.transactional(async (tx) => {
      await this.lockFamily(tx, table, known.family_id);
      const [spent]: { family_expires_at: Date }[] = await tx.execute(
        `update ${table} set used_at = now()
          where token_hash = ? and used_at is null and revoked_at is null and expires_at > now() and family_expires_at > now()
          returning family_expires_at`,
        [hash],
      );
      if (!spent) {
        const [row]: { used_at: Date | null }[] = await tx.execute(
          `select used_at from ${table} where token_hash = ?`,
          [hash],
        );
        if (!row?.used_at) return 'invalid' as const;
        await tx.execute(`update ${table} set revoked_at = now() where family_id = ? and revoked_at is null`, [
          known.family_id,
        ]);
        return 'reused' as const;
      }
      const familyExpiresAt = new Date(spent.family_expires_at);
      const expiresAt = new Date(
        Math.min(Date.now() + this.config.jwt.refreshTtlSeconds * 1000, familyExpiresAt.getTime()),
      );
      const inserted: unknown[] = await tx.execute(
        `insert into ${table} (id, subject_id, family_id, token_hash, expires_at, family_expires_at)
         select ?::uuid, ?::uuid, ?::uuid, ?, ?::timestamptz, ?::timestamptz
          where not exists (select 1 from ${table} where family_id = ? and revoked_at is not null)
         returning id`,
        [randomUUID(), known.subject_id, known.family_id, hashToken(next), expiresAt, familyExpiresAt, known.family_id],
      );
      return inserted.length ? ('rotated' as const) : ('invalid' as const);
    });
    if (outcome === 'reused') {
      await onReuse?.({ familyId: known.family_id, subjectId: known.subject_id });
      throw AuthErrors.refreshReused();
    }
    if (outcome === 'invalid') throw AuthErrors.badRefresh();
    return { subject, refresh: { token: next, familyId: known.family_id } };
  }

  /** Revokes a sign-in, in line with any rotation of the same family running at this moment. */
  async revokeFamily(em: EntityManager, table: RefreshTable, familyId: string): Promise<void> {
    await em.transactional(async (tx) => {
      await this.lockFamily(tx, table, familyId);
      await tx.execute(`update ${table} set revoked_at = now() where family_id = ? and revoked_at is null`, [familyId]);
    });
  }

  /**
   * Revokes every sign-in of a subject, in line with rotations running at this moment: each live
   * family's lock is taken first (in one order), so a rotation either commits before and its new
   * token is revoked here, or runs after and finds its token revoked. Joins the caller's
   * transaction when there is one (the locks are then held until it commits).
   */
  async revokeSubject(em: EntityManager, table: RefreshTable, subjectId: string): Promise<void> {
    await em.transactional(async (tx) => {
      const families: { family_id: string }[] = await tx.execute(
        `select distinct family_id from ${table} where subject_id = ? and revoked_at is null order by family_id`,
        [subjectId],
      );
      for (const { family_id } of families) await this.lockFamily(tx, table, family_id);
      await tx.execute(`update ${table} set revoked_at = now() where subject_id = ? and revoked_at is null`, [
        subjectId,
      ]);
    });
  }

  /** One family at a time (transaction-scoped, so it works behind PgBouncer in transaction mode). */
  private async lockFamily(tx: EntityManager, table: RefreshTable, familyId: string): Promise<void> {
    await tx.execute(`select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`${table}:${familyId}`]);
  }
}
