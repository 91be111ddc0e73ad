import { Injectable } from '@nestjs/common';
import type { Principal } from './roles';

const MAX_ENTRIES = 20_000;

/** The `exp` claim of a token whose signature was already verified; undefined when it has none. */
function expiryOf(token: string): number | undefined {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const exp = payload && typeof payload === 'object' ? (payload as { exp?: unknown }).exp : undefined;
    return Number.isInteger(exp) ? (exp as number) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Access tokens whose signature and claims were already verified, until they expire: a client
 * sends the same token many times, and an ES256 verification is the costliest step of a
 * request. Only the signature check is skipped — revocation (LiveSessions) is checked on
 * every request all the same.
 */
@Injectable()
export class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; exp: number }>();

  get(token: string, now = Date.now() / 1000): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.exp <= now) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  /** Keeps a verified token's principal until the token's own `exp`. */
  remember(token: string, principal: Principal): void {
    const exp = expiryOf(token);
    if (exp === undefined) return;
    if (this.entries.size >= MAX_ENTRIES) {
      // Drop the oldest tenth (Map keeps insertion order).
      let drop = Math.ceil(MAX_ENTRIES / 10);
      for (const key of this.entries.keys()) {
        this.entries.delete(key);
        if (--drop === 0) break;
      }
    }
    this.entries.set(token, { principal, exp });
  }
}
