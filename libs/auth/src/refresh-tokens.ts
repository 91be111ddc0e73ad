import { APP_CONFIG, AppConfig } from '@app/config';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AuthErrors } from './auth.exception';

/** Tenant refresh tokens live in the tenant's database; platform ones in the catalog. */
export type RefreshTable = 'refresh_tokens' | 'platform_refresh_tokens';

export interface RefreshGrant {
  subjectId: string;
  familyId: string;
  familyExpiresAt: Date;
}

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

  async issue(em: EntityManager, table: RefreshTable, subjectId: string, prefix: string, family?: { id: string; expiresAt: Date }): Promise<IssuedRefresh> {
    const token = `${prefix}.${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    const familyExpiresAt = family?.expiresAt ?? new Date(now + this.config.jwt.refreshFamilyTtlSeconds * 1000);
    const expiresAt = new Date(Math.min(now + this.config.jwt.refreshTtlSeconds * 1000, familyExpiresAt.getTime()));
    const familyId = family?.id ?? randomUUID();
    await em
      .getConnection()
      .execute(`insert into ${table} (id, subject_id, family_id, token_hash, expires_at, family_expires_at) values (?, ?, ?, ?, ?, ?)`, [
        randomUUID(),
        subjectId,
        familyId,
        hashToken(token),
        expiresAt,
        familyExpiresAt,
      ]);
    return { token, familyId };
  }

  /** Spends a token atomically (a concurrent second use loses); re-use revokes the family. */
  async spend(em: EntityManager, table: RefreshTable, token: string, onReuse?: (familyId: string) => Promise<void>): Promise<RefreshGrant> {
    const connection = em.getConnection();
    const hash = hashToken(token);
    const spent: { subject_id: string; family_id: string; family_expires_at: Date }[] = await connection.execute(
      `update ${table} set used_at = now()
        where token_hash = ? and used_at is null and revoked_at is null and expires_at > now() and family_expires_at > now()
        returning subject_id, family_id, family_expires_at`,
      [hash],
    );
    if (spent.length) return { subjectId: spent[0].subject_id, familyId: spent[0].family_id, familyExpiresAt: new Date(spent[0].family_expires_at) };
    const [known]: { family_id: string; used_at: Date | null }[] = await connection.execute(`select family_id, used_at from ${table} where token_hash = ?`, [hash]);
    if (known?.used_at) {
      await this.revokeFamily(em, table, known.family_id);
      await onReuse?.(known.family_id);
      throw AuthErrors.refreshReused();
    }
    throw AuthErrors.badRefresh();
  }

  async revokeFamily(em: EntityManager, table: RefreshTable, familyId: string): Promise<void> {
    await em.getConnection().execute(`update ${table} set revoked_at = now() where family_id = ? and revoked_at is null`, [familyId]);
  }

  async revokeSubject(em: EntityManager, table: RefreshTable, subjectId: string): Promise<void> {
    await em.getConnection().execute(`update ${table} set revoked_at = now() where subject_id = ? and revoked_at is null`, [subjectId]);
  }
}
