import { APP_CONFIG, AppConfig } from '@app/config';
import { LimitScript, normalizeEmail, SharedLimitStore } from '@app/common';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuthErrors } from './auth.exception';

interface Window {
  attempts: number;
  resetAt: number;
}

const MAX_TRACKED = 100_000;

/**
 * KEYS: account, ip. ARGV: max per account, max per IP, window ms.
 * Returns 0 when the attempt was reserved (both counters taken), else the ms to wait.
 * One script, so the check and the count are one step for every replica on this Redis.
 */
const RESERVE: LimitScript = {
  keys: 2,
  lua: `
local account = tonumber(redis.call('GET', KEYS[1]) or '0')
local ip = tonumber(redis.call('GET', KEYS[2]) or '0')
local wait = 0
if account >= tonumber(ARGV[1]) then wait = math.max(wait, redis.call('PTTL', KEYS[1])) end
if ip >= tonumber(ARGV[2]) then wait = math.max(wait, redis.call('PTTL', KEYS[2])) end
if account >= tonumber(ARGV[1]) or ip >= tonumber(ARGV[2]) then return math.max(wait, 1) end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 or redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[3]) end
end
return 0
`,
};

/** KEYS: account, ip. A success clears the account and gives the IP back its slot. */
const RELEASE: LimitScript = {
  keys: 2,
  lua: `
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 0
`,
};

/**
 * Sign-in attempts per account (tenant + normalised email) and per client IP in a fixed
 * window. An attempt is counted *before* its password is checked, in one atomic step (a Lua
 * script on Redis when REDIS_URL is set, so every API replica shares the count; else a
 * synchronous step in this process's map): of any number of concurrent attempts, at most
 * LOGIN_MAX_FAILURES per account (LOGIN_MAX_FAILURES_PER_IP per IP) ever reach the password
 * check; the others are a 429 with Retry-After until the window ends. A success clears the
 * account's count and gives back the IP's slot, so only failures stay counted. While Redis does
 * not answer, this process counts on its own (one warning line), and Redis is used again once
 * it answers.
 */
@Injectable()
export class LoginThrottle implements OnApplicationShutdown {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly shared?: SharedLimitStore;
  private readonly prefix: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
    this.prefix = `tessera:${config.tenantDbPrefix}:login`;
    if (config.redisUrl)
      this.shared = new SharedLimitStore(config.redisUrl, 'LoginThrottle', { reserve: RESERVE, release: RELEASE });
  }

  // After the server has drained, so sign-ins during the drain still count in Redis.
  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.shared?.close();
  }

  /** The account key of a sign-in: the same address in any case or Unicode spelling is one account. */
  static account(scope: string, email: string): string {
    return `${scope}:${normalizeEmail(email)}`;
  }

  /** Counts one attempt of the account from the IP, or throws 429 when either has no attempt left. */
  async reserve(account: string, ip: string): Promise<void> {
    const [accountKey, ipKey] = this.keys(account, ip);
    const { maxFailures, maxFailuresPerIp, windowSeconds } = this.config.login;
    const reply = await this.shared?.run(
      'reserve',
      [accountKey, ipKey],
      [maxFailures, maxFailuresPerIp, windowSeconds * 1000],
    );
    const waitMs = reply === undefined ? this.reserveLocally(accountKey, ipKey) : Number(reply);
    if (waitMs > 0) throw AuthErrors.throttled(Math.max(1, Math.ceil(waitMs / 1000)));
  }

  /** After a successful sign-in: the account starts afresh, and the IP gets its slot back. */
  async succeeded(account: string, ip: string): Promise<void> {
    const [accountKey, ipKey] = this.keys(account, ip);
    this.windows.delete(accountKey);
    const ipWindow = this.windows.get(ipKey);
    if (ipWindow && ipWindow.attempts > 0) ipWindow.attempts--;
    await this.shared?.run('release', [accountKey, ipKey], []);
  }

  private keys(account: string, ip: string): [string, string] {
    const digest = createHash('sha256').update(account).digest('base64url');
    return [`${this.prefix}:a:${digest}`, `${this.prefix}:ip:${ip}`];
  }

  /** The same step as the Lua script, in this process: no await between the check and the count. */
  private reserveLocally(accountKey: string, ipKey: string, now = Date.now()): number {
    const { maxFailures, maxFailuresPerIp } = this.config.login;
    const account = this.current(accountKey, now);
    const ip = this.current(ipKey, now);
    const waits = [
      account.attempts >= maxFailures ? account.resetAt - now : 0,
      ip.attempts >= maxFailuresPerIp ? ip.resetAt - now : 0,
    ];
    const wait = Math.max(...waits);
    if (wait > 0) return wait;
    account.attempts++;
    ip.attempts++;
    return 0;
  }

  private current(key: string, now: number): Window {
    const window = this.windows.get(key);
    if (window && window.resetAt > now) return window;
    if (this.windows.size >= MAX_TRACKED) this.sweep(now);
    const fresh = { attempts: 0, resetAt: now + this.config.login.windowSeconds * 1000 };
    this.windows.set(key, fresh);
    return fresh;
  }

  private sweep(now = Date.now()): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
