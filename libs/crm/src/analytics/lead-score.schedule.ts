import { describeError } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobQueue } from '@app/jobs';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { LeadScoreJob } from './lead-score.service';

/** The hour (UTC) of the nightly retraining. */
export const NIGHTLY_RETRAIN_HOUR_UTC = 3;
const DAY_MS = 86_400_000;

/** The next `hour`:00 UTC strictly after `now`. */
export function nextRun(now: Date, hour = NIGHTLY_RETRAIN_HOUR_UTC): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour);
  return new Date(today > now.getTime() ? today : today + DAY_MS);
}

/**
 * Retrains every active tenant's lead score model nightly: at 03:00 UTC each process that runs
 * workers queues one `analytics` job per tenant, named by tenant and day, so replicas (Bull) add it
 * once; without Redis the in-process queue runs it. A job whose data did not change adds no version.
 */
@Injectable()
export class LeadScoreSchedule implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('LeadScoreSchedule');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly catalog: MikroORM,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.workers) this.arm();
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    const delay = nextRun(new Date()).getTime() - Date.now();
    this.timer = setTimeout(() => {
      void this.queueAll(new Date()).finally(() => this.arm());
    }, delay);
    this.timer.unref();
  }

  /** Queues the night's training of every active tenant; returns how many were queued. */
  async queueAll(night: Date): Promise<number> {
    const day = night.toISOString().slice(0, 10);
    try {
      const tenants: { id: string; slug: string }[] = await this.catalog.em
        .fork()
        .getConnection()
        .execute("select id, slug from tenants where status = 'active'");
      for (const tenant of tenants) {
        await this.jobs.enqueue<LeadScoreJob>(
          'analytics',
          {
            tenant: tenant.slug,
            tenantId: tenant.id,
            correlationId: `lead-score-nightly:${day}`,
            data: { kind: 'lead-score' },
          },
          { jobId: `lead-score:${tenant.id}:nightly:${day}`, attempts: 2, backoffMs: 60_000 },
        );
      }
      return tenants.length;
    } catch (error) {
      this.logger.warn(`could not queue the nightly lead score training: ${describeError(error)}`);
      return 0;
    }
  }
}
