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
  /** The request histogram's children by label set (as many as the histogram itself keeps). */
  private readonly httpChildren = new Map<string, Histogram.Internal<'method' | 'route' | 'status' | 'tenant'>>();

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
    poolGauge('tessera_tenant_pools_open', 'Tenant ORM instances kept (connected or not)', (s) => s.open);
    poolGauge('tessera_tenant_pools_connected', 'Tenant pools with connections reserved', (s) => s.connected);
    poolGauge(
      'tessera_tenant_pools_max',
      'Tenant pools of TENANT_POOL_SIZE the connection budget holds',
      (s) => s.maxPools,
    );
    poolGauge('tessera_tenant_pools_in_use', 'Tenant pools serving a request or job', (s) => s.inUse);
    poolGauge('tessera_tenant_pool_waiting', 'Requests waiting for a tenant connection slot', (s) => s.waiting);
    poolGauge(
      'tessera_tenant_pool_evictions',
      'Tenant pools closed to make room, instances kept (since start)',
      (s) => s.evictions,
    );
    poolGauge('tessera_tenant_pool_reconnects', 'Tenant pools opened again on a kept instance', (s) => s.reconnects);
    poolGauge('tessera_tenant_connections', 'Connections held by tenant pools', (s) => s.connections);
    poolGauge('tessera_tenant_connections_reserved', 'Connections reserved by tenant pools', (s) => s.reserved);
    poolGauge('tessera_tenant_connections_max', 'The connection budget of tenant pools', (s) => s.maxConnections);
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
    // prom-client sorts and joins the labels on every observe; a label set's child is looked up once.
    const key = `${method} ${route} ${status} ${tenant}`;
    let child = this.httpChildren.get(key);
    if (!child) {
      child = this.http.labels({ method, route, status: String(status), tenant });
      this.httpChildren.set(key, child);
    }
    child.observe(seconds);
  }
}
