import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { describeError } from './describe-error';

/** A Lua script run atomically on Redis: `keys` of its arguments are keys, the rest are values. */
export interface LimitScript {
  keys: number;
  lua: string;
}

export interface SharedLimitOptions {
  /** A reply slower than this counts as Redis being unavailable (a hung Redis must not stall requests). */
  commandTimeoutMs?: number;
  /** After a failure, how long to count in this process before asking Redis again. */
  retryAfterMs?: number;
}

type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>;

/**
 * The Redis side of a limit that every replica shares: its own connection (never queued behind
 * other traffic), scripts sent with EVALSHA (one round trip; ioredis re-sends the body after a
 * Redis restart), no retries and a short command timeout. `run` answers `undefined` when Redis
 * cannot answer now: the caller then counts in its own process. Going down and coming back are
 * one log line each, never one per request; after a failure Redis is skipped for `retryAfterMs`
 * so an outage costs no time on the hot path.
 */
export class SharedLimitStore {
  private readonly logger: Logger;
  private readonly redis: Redis;
  private readonly retryAfterMs: number;
  private skipUntil = 0;
  private down = false;
  private readonly timeoutMs: number;
  /** The first connection, made on first use; requests wait for it (at most the command timeout). */
  private connecting?: Promise<void>;

  constructor(url: string, what: string, scripts: Record<string, LimitScript>, options: SharedLimitOptions = {}) {
    this.logger = new Logger(what);
    this.retryAfterMs = options.retryAfterMs ?? 1000;
    this.timeoutMs = options.commandTimeoutMs ?? 500;
    // No offline queue: while the connection is down, a command fails at once (no request waits for a reconnect).
    this.redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      commandTimeout: this.timeoutMs,
      connectTimeout: 2000,
    });
    // Reconnection attempts fail quietly; `run` reports the outage once.
    this.redis.on('error', () => undefined);
    for (const [name, script] of Object.entries(scripts))
      this.redis.defineCommand(name, { numberOfKeys: script.keys, lua: script.lua });
  }

  /** The script's reply, or undefined while Redis is unavailable (count in this process). */
  async run(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    if (this.down && Date.now() < this.skipUntil) return undefined;
    if (this.redis.status === 'wait') this.connecting = this.connectFirst();
    if (this.connecting) await this.connecting;
    try {
      const reply = await (this.redis as unknown as Record<string, ScriptRunner>)[script](...keys, ...args);
      if (this.down) {
        this.down = false;
        this.logger.log('shared on Redis again');
      }
      return reply;
    } catch (error) {
      this.skipUntil = Date.now() + this.retryAfterMs;
      if (!this.down) {
        this.down = true;
        this.logger.warn(`Redis unavailable (${describeError(error)}), counting in this process meanwhile`);
      }
      return undefined;
    }
  }

  private async connectFirst(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.redis.connect().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timeoutMs))),
    ]);
    clearTimeout(timer);
    this.connecting = undefined;
  }

  /** True while the limit is counted in this process because Redis did not answer. */
  get degraded(): boolean {
    return this.down;
  }

  close(): void {
    this.redis.disconnect();
  }
}
