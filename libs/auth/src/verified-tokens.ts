import { Injectable } from '@nestjs/common';
import type { Principal } from './roles';

const MAX_ENTRIES = 20_000;

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

  remember(token: string, principal: Principal, exp: number): void {
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
