import { describeError } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import { IdempotencyStore, MemoryIdempotencyStore, RedisIdempotencyStore } from './idempotency-store';

/** API.md: the first answer to a key is replayed for 24 h. */
export const REPLAY_TTL_MS = 24 * 60 * 60 * 1000;
/** The headers of an answer that are replayed with it (the body's type, where it was created, its version). */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'];

/** What a successful request answered, kept to be replayed. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The answer held a secret shown once: only its status and Location are kept, never its body. */
  secret?: boolean;
}

/** A key's record: the request it belongs to, and once that has succeeded, its answer. */
interface KeyRecord {
  fingerprint: string;
  /** Unique per claim: a late finish of a request whose lease expired cannot touch a newer claim. */
  claim: string;
  /** The answer will hold a secret (a @NoStore route): keep where it led, not what it said. */
  secret?: boolean;
  answer?: StoredAnswer;
}

/** What a request with a key may do: run (it claimed the key), or be answered without running. */
export type Admission =
  { kind: 'run' } | { kind: 'running' } | { kind: 'mismatch' } | { kind: 'replay'; answer: StoredAnswer };

interface Claim {
  store: IdempotencyStore;
  key: string;
  value: string;
  /** Renews the lease while the request runs. */
  renewal: NodeJS.Timeout;
}

/**
 * The idempotency records (API.md "Idempotency"): on Redis when REDIS_URL is set, so every API
 * replica sees one record per key; else, or while Redis fails, in this process. A request
 * claims its key in one atomic step with a short lease (IDEMPOTENCY_LEASE_MS) that it renews
 * while it runs, so the retry of a request whose replica died waits for that lease only, not for
 * the longest a request may take; a 2xx answer then replaces the claim for 24 h, any other answer releases it so
 * the client may retry with the same key. Claims are settled in the onSend hook (api.app.ts),
 * where the final status and headers are known, before the answer leaves: a retry never sees a
 * request still running that has already answered.
 */
@Injectable()
export class IdempotencyLedger implements OnApplicationShutdown {
  private readonly logger = new Logger('Idempotency');
  private readonly memory = new MemoryIdempotencyStore();
  private readonly redis?: Redis;
  private readonly shared?: RedisIdempotencyStore;
  private readonly prefix: string;
  private readonly leaseMs: number;
  /** A claim is renewed for at most this long: one never settled (which should not happen) still ends. */
  private readonly renewForMs: number;
  private readonly claims = new WeakMap<FastifyRequest, Claim>();
  private readonly renewals = new Set<NodeJS.Timeout>();
  private readonly answeredHere = new WeakSet<FastifyRequest>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.prefix = `tessera:${config.tenantDbPrefix}:idem`;
    this.leaseMs = config.idempotencyLeaseMs;
    // Long enough for any request to finish: the HTTP request timeout, at least a minute.
    this.renewForMs = Math.max(60_000, config.requestTimeoutMs);
    if (config.redisUrl) {
      this.redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
      this.redis.on('error', (e: Error) => this.logger.warn(`redis: ${e.message}`));
      this.shared = new RedisIdempotencyStore(this.redis);
    }
  }

  onApplicationShutdown(): void {
    for (const renewal of this.renewals) clearInterval(renewal);
    this.renewals.clear();
    this.memory.close();
    this.redis?.disconnect();
  }

  /** Claims `key` of `scope` for the request, or says how to answer it instead. */
  async admit(
    request: FastifyRequest,
    scope: string,
    key: string,
    fingerprint: string,
    options: { secret: boolean } = { secret: false },
  ): Promise<Admission> {
    const name = `${this.prefix}:${createHash('sha256').update(`${scope}\0${key}`).digest('base64url')}`;
    const claimed: KeyRecord = { fingerprint, claim: randomUUID(), ...(options.secret ? { secret: true } : {}) };
    const value = JSON.stringify(claimed);
    let store: IdempotencyStore = this.shared ?? this.memory;
    let held: string | undefined;
    try {
      held = await store.claim(name, value, this.leaseMs);
    } catch (error) {
      this.logger.warn(
        `shared idempotency records unavailable, keeping this one in this process: ${describeError(error)}`,
      );
      store = this.memory;
      held = await store.claim(name, value, this.leaseMs);
    }
    if (held === undefined) {
      this.claims.set(request, { store, key: name, value, renewal: this.renewing(store, name, value) });
      return { kind: 'run' };
    }
    this.answeredHere.add(request);
    const record = JSON.parse(held) as KeyRecord;
    if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
    return record.answer ? { kind: 'replay', answer: record.answer } : { kind: 'running' };
  }

  /** Renews a claim every third of its lease until settled, the ledger closes, or renewForMs has passed. */
  private renewing(store: IdempotencyStore, key: string, value: string): NodeJS.Timeout {
    const until = Date.now() + this.renewForMs;
    const renewal = setInterval(
      () => {
        if (Date.now() >= until) return this.stopRenewing(renewal);
        store.renew(key, value, this.leaseMs).then(
          (held) => {
            if (!held) this.stopRenewing(renewal); // settled meanwhile, or the lease had ended
          },
          (error: unknown) => this.logger.warn(`could not renew an idempotency key's lease: ${describeError(error)}`),
        );
      },
      Math.ceil(this.leaseMs / 3),
    );
    renewal.unref();
    this.renewals.add(renewal);
    return renewal;
  }

  private stopRenewing(renewal: NodeJS.Timeout): void {
    clearInterval(renewal);
    this.renewals.delete(renewal);
  }

  /** The request was answered from its key's record (or refused for its key): its handler never ran. */
  answeredItself(request: FastifyRequest): boolean {
    return this.answeredHere.has(request);
  }

  /** Marks a request refused by the idempotency checks before any claim. */
  refused(request: FastifyRequest): void {
    this.answeredHere.add(request);
  }

  /** Whether the request holds a claim that `settle` must finish. */
  settles(request: FastifyRequest): boolean {
    return this.claims.has(request);
  }

  /** Keeps a 2xx answer for replays, or frees the key; never throws (the answer is sent either way). */
  async settle(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
    const claim = this.claims.get(request);
    if (!claim) return;
    this.claims.delete(request);
    this.stopRenewing(claim.renewal);
    const status = reply.statusCode;
    const body = payload === undefined || payload === null ? '' : payload;
    try {
      if (status < 200 || status > 299 || typeof body !== 'string') {
        await claim.store.release(claim.key, claim.value);
        return;
      }
      const record = JSON.parse(claim.value) as KeyRecord;
      record.answer = record.secret
        ? { status, headers: pick(replayedHeaders(reply), 'location'), body: '', secret: true }
        : { status, headers: replayedHeaders(reply), body };
      await claim.store.replace(claim.key, claim.value, JSON.stringify(record), REPLAY_TTL_MS);
    } catch (error) {
      // The lease still ends (no longer renewed): the key is free again within leaseMs.
      this.logger.warn(`could not settle the idempotency key of request ${request.id}: ${describeError(error)}`);
    }
  }
}

function replayedHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return headers;
}

function pick(headers: Record<string, string>, name: string): Record<string, string> {
  return headers[name] === undefined ? {} : { [name]: headers[name] };
}
