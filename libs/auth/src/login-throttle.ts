import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { AuthErrors } from './auth.exception';

interface Window {
  failures: number;
  resetAt: number;
}

const MAX_TRACKED = 100_000;

/**
 * Failed sign-ins per account (tenant + email) and per client IP in a fixed window. Over the
 * limit, every attempt — right password or not — is a 429 with Retry-After until the window
 * ends. A success clears the account's count. (In-process; a shared store comes with Redis.)
 */
@Injectable()
export class LoginThrottle implements OnModuleDestroy {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /** Throws 429 when the account or the IP has used up its failures. */
  assertAllowed(account: string, ip: string, now = Date.now()): void {
    const { maxFailures, maxFailuresPerIp } = this.config.login;
    const waits = [this.wait(`a:${account}`, maxFailures, now), this.wait(`ip:${ip}`, maxFailuresPerIp, now)];
    const retryAfter = Math.max(...waits);
    if (retryAfter > 0) throw AuthErrors.throttled(retryAfter);
  }

  recordFailure(account: string, ip: string, now = Date.now()): void {
    this.bump(`a:${account}`, now);
    this.bump(`ip:${ip}`, now);
  }

  recordSuccess(account: string): void {
    this.windows.delete(`a:${account}`);
  }

  private wait(key: string, max: number, now: number): number {
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now || window.failures < max) return 0;
    return Math.max(1, Math.ceil((window.resetAt - now) / 1000));
  }

  private bump(key: string, now: number): void {
    const window = this.windows.get(key);
    if (window && window.resetAt > now) {
      window.failures++;
      return;
    }
    if (this.windows.size >= MAX_TRACKED) this.sweep(now);
    this.windows.set(key, { failures: 1, resetAt: now + this.config.login.windowSeconds * 1000 });
  }

  private sweep(now = Date.now()): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
