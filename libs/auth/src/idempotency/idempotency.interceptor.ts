import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { from, Observable, of, switchMap } from 'rxjs';
import { NO_STORE } from '../auth.decorators';
import type { Principal } from '../roles';
import { IdempotencyErrors } from './idempotency.exception';
import { IdempotencyLedger, StoredAnswer } from './idempotency-ledger';
import { requestFingerprint } from './request-fingerprint';

/** A tenant request's key, as its transaction records it in `idempotency_commits` (AuditSubscriber). */
export interface IdempotencyCommit {
  /** SHA-256 (hex) of the caller's scope and the key: the key itself is never stored. */
  key: string;
  fingerprint: string;
}

export type KeyedRequest = FastifyRequest & {
  user?: Principal;
  tenant?: { slug: string };
  idempotencyCommit?: IdempotencyCommit;
};

/** 1 to 255 printable ASCII characters (API.md: ≤ 255). */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

/** Whether a request takes part: a signed-in caller's POST (sign-in and refresh have no caller yet). */
function takesIdempotencyKey(request: KeyedRequest): boolean {
  return request.method === 'POST' && request.user !== undefined;
}

/** Whose key it is: the tenant (or the platform) and the caller, the API key apart from its owner's token. */
function idempotencyScope(request: KeyedRequest, user: Principal): string {
  const realm = user.scope === 'platform' ? 'platform' : `tenant:${request.tenant?.slug ?? user.tid}`;
  return `${realm}:${user.sub}:${user.apiKey?.id ?? 'token'}`;
}

/**
 * API.md "Idempotency": a POST with `Idempotency-Key` runs once per key (per tenant and
 * caller); the same key with the same request replays the first 2xx answer with
 * `Idempotent-Replayed: true`, with another request is a 422, and while the first still runs a
 * 409 (also when the first answer held a secret, which is never kept: a 409 with its Location). Global, after the guards (it needs the caller) and inside the tenant context and its rate
 * limit; a replay never reaches the handler (no second write, no audit entry).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly ledger: IdempotencyLedger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<KeyedRequest>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    const noStore = this.reflector.getAllAndOverride<boolean | undefined>(NO_STORE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!takesIdempotencyKey(request)) return next.handle();
    // Two Idempotency-Key lines arrive joined ("a, b"): ambiguous, so refused like a bad key.
    const lines = request.raw.rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'idempotency-key');
    if (typeof key !== 'string' || !VALID_KEY.test(key) || lines.length > 1) {
      this.ledger.refused(request);
      throw IdempotencyErrors.badKey();
    }
    const fingerprint = requestFingerprint(request.method, request.url, request.body);
    // A @NoStore answer holds a secret shown once (a new API key): it runs once like any other,
    // but only where it led (Location) is kept, and a retry is told so instead of a replay.
    const scope = idempotencyScope(request, request.user!);
    const admission = this.ledger.admit(request, scope, key, fingerprint, { secret: noStore ?? false });
    return from(admission).pipe(
      switchMap((admitted) => {
        if (admitted.kind === 'run') {
          // The write's own transaction records the key: a retry that finds it never writes twice,
          // even when this instance dies before its answer reaches the ledger.
          if (request.tenant)
            request.idempotencyCommit = {
              key: createHash('sha256').update(`${scope}\0${key}`).digest('hex'),
              fingerprint,
            };
          return next.handle();
        }
        if (admitted.kind === 'mismatch') throw IdempotencyErrors.reused();
        if (admitted.kind === 'running') throw IdempotencyErrors.inUse();
        if (admitted.answer.secret) throw IdempotencyErrors.secretShown(admitted.answer.headers.location);
        return of(replay(context.switchToHttp().getResponse<FastifyReply>(), admitted.answer));
      }),
    );
  }
}

/** The first answer again: its status, its kept headers and its body exactly as it was sent. */
function replay(reply: FastifyReply, answer: StoredAnswer): string {
  void reply.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) void reply.header(name, value);
  void reply.header('Idempotent-Replayed', 'true');
  return answer.body;
}
