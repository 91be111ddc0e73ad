import { ApiProperty } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobQueue } from '@app/jobs';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { PlatformErrors } from '../platform.exception';

/** Every dependency answered. */
export class Readiness {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: ['up'] },
    example: { catalog: 'up', queues: 'up' },
  })
  checks: Record<string, 'up'>;
}

/** The process is running. */
export class Liveness {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

const CHECK_TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

/** Readiness (terminus): the catalog answers, Redis does when configured, the queues can be read. */
@Injectable()
export class HealthService implements OnApplicationShutdown {
  private readonly redis?: Redis;
  private draining = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly jobs: JobQueue,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (config.redisUrl) {
      this.redis = new Redis(config.redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
      });
      this.redis.on('error', () => undefined);
    }
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }

  /** From now on readiness is false: the process is stopping (drainBeforeClose). */
  drain(): void {
    this.draining = true;
  }

  async ready(): Promise<Readiness> {
    if (this.draining) throw PlatformErrors.shuttingDown();
    const checks = [
      () => this.probe('catalog', () => this.orm.em.getConnection().execute('select 1')),
      () => this.probe('queues', () => this.jobs.counts()),
    ];
    if (this.redis) {
      checks.push(() =>
        this.probe('redis', async () => {
          if (this.redis!.status === 'wait') await this.redis!.connect();
          return this.redis!.ping();
        }),
      );
    }
    try {
      const result = await this.health.check(checks);
      return { status: 'ok', checks: Object.fromEntries(Object.keys(result.details).map((k) => [k, 'up'])) };
    } catch (error) {
      const details = ((error as { getResponse?: () => { error?: Record<string, unknown> } }).getResponse?.().error ??
        {}) as Record<string, unknown>;
      const down = Object.keys(details);
      throw PlatformErrors.notReady(down);
    }
  }

  private async probe(key: string, check: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await within(check(), CHECK_TIMEOUT_MS);
      return indicator.up();
    } catch {
      return indicator.down();
    }
  }
}
