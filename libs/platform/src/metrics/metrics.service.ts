import { JobQueue, QUEUE_NAMES } from '@app/jobs';
import { TenantProvisioner } from '@app/fleet';
import { TenantOrmRegistry } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics: HTTP by route, method, status and tenant; tenant pools per server; queues. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status' | 'tenant'>;

  constructor(pools: TenantOrmRegistry, jobs: JobQueue, provisioner: TenantProvisioner) {
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_' });
    this.http = new Histogram({
      name: 'tessera_http_request_duration_seconds',
      help: 'HTTP request duration by route, method, status and tenant',
      labelNames: ['method', 'route', 'status', 'tenant'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    const poolGauge = (
      name: string,
      help: string,
      pick: (s: Awaited<ReturnType<TenantOrmRegistry['stats']>>[number]) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['server'],
        registers: [this.registry],
        async collect() {
          for (const s of await pools.stats()) this.set({ server: s.server }, pick(s));
        },
      });
    poolGauge('tessera_tenant_pools_open', 'Tenant ORM pools open', (s) => s.open);
    poolGauge('tessera_tenant_pools_max', 'Tenant ORM pools allowed by the connection budget', (s) => s.maxPools);
    poolGauge('tessera_tenant_pools_in_use', 'Tenant ORM pools serving a request or job', (s) => s.inUse);
    poolGauge('tessera_tenant_pool_waiting', 'Requests waiting for a tenant pool slot', (s) => s.waiting);
    poolGauge('tessera_tenant_pool_evictions', 'Tenant pools closed to make room (since start)', (s) => s.evictions);
    poolGauge('tessera_tenant_connections', 'Connections held by tenant pools', (s) => s.connections);
    const jobDurations = new Histogram({
      name: 'tessera_job_duration_seconds',
      help: 'Job run time by queue and result',
      labelNames: ['queue', 'result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    jobs.onFinished((queue, seconds, ok) => jobDurations.observe({ queue, result: ok ? 'ok' : 'failed' }, seconds));
    const onboarding = new Histogram({
      name: 'tessera_onboarding_duration_seconds',
      help: 'Time from POST /platform/tenants to active',
      buckets: [0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30],
      registers: [this.registry],
    });
    provisioner.onActivated((seconds) => onboarding.observe(seconds));
    new Gauge({
      name: 'tessera_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        const counts = await jobs.counts().catch(() => undefined);
        if (!counts) return;
        for (const queue of QUEUE_NAMES)
          for (const [state, n] of Object.entries(counts[queue])) this.set({ queue, state }, n);
      },
    });
  }

  observe(method: string, route: string, status: number, tenant: string, seconds: number): void {
    this.http.observe({ method, route, status: String(status), tenant }, seconds);
  }
}
