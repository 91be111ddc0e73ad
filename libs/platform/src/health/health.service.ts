import { ServiceUnavailableException } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

export interface Readiness {
  status: 'ok';
  checks: Record<string, 'up'>;
}

const CHECK_TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);
}

/** Readiness: the catalog database answers, and Redis does when it is configured. */
@Injectable()
export class HealthService implements OnApplicationShutdown {
  private readonly redis?: Redis;

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (config.redisUrl) {
      this.redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      this.redis.on('error', () => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis?.disconnect();
  }

  async ready(): Promise<Readiness> {
    const checks: Record<string, 'up' | 'down'> = {};
    checks.catalog = await within(this.orm.em.getConnection().execute('select 1'), CHECK_TIMEOUT_MS).then(
      () => 'up' as const,
      () => 'down' as const,
    );
    if (this.redis) {
      if (this.redis.status === 'wait') await this.redis.connect().catch(() => undefined);
      checks.redis = await within(this.redis.ping(), CHECK_TIMEOUT_MS).then(
        () => 'up' as const,
        () => 'down' as const,
      );
    }
    const down = Object.entries(checks).filter(([, state]) => state === 'down').map(([name]) => name);
    if (down.length) throw new ServiceUnavailableException(`Not ready: ${down.join(', ')} unreachable.`, 'not-ready', 5);
    return { status: 'ok', checks: checks as Record<string, 'up'> };
  }
}
