import { JobQueue, QUEUE_NAMES } from '@app/jobs';
import { TenantProvisioner } from '@app/fleet';
import { type ResolvedTenant, TenantOrmRegistry } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { PlansService } from '../plans/plans.service';

/** Tenants served within this long show their usage in /metrics. */
const RECENT_MS = 10 * 60_000;
/** A tenant's usage is read from its database at most this often (scrapes in between reuse it). */
const USAGE_TTL_MS = 30_000;
const MAX_RECENT_TENANTS = 500;

/** Prometheus metrics: HTTP by route, method, status and tenant; tenant pools per server; queues. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status' | 'tenant'>;
  /** The request histogram's children by label set (as many as the histogram itself keeps). */
  private readonly httpChildren = new Map<string, Histogram.Internal<'method' | 'route' | 'status' | 'tenant'>>();

  /** Tenants this instance served lately, by slug: their usage is read for a scrape (at most every USAGE_TTL_MS). */
  private readonly recentTenants = new Map<string, { tenant: ResolvedTenant; seenAt: number }>();
  private readonly usageRead = new Map<
    string,
    { at: number; used: Record<string, number>; limits: Record<string, number> }
  >();

  constructor(
    pools: TenantOrmRegistry,
    jobs: JobQueue,
    provisioner: TenantProvisioner,
    private readonly plans: PlansService,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'tessera_' });
    const usage = async () => this.recentUsage();
    new Gauge({
      name: 'tessera_tenant_usage',
      help: 'Records a tenant holds, per counted plan limit (tenants served in the last 10 minutes; read at most every 30 s)',
      labelNames: ['tenant', 'resource'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [tenant, read] of await usage())
          for (const [resource, n] of Object.entries(read.used)) this.set({ tenant, resource }, n);
      },
    });
    new Gauge({
      name: 'tessera_tenant_usage_limit',
      help: "A tenant's plan limit per counted resource (unlimited ones left out)",
      labelNames: ['tenant', 'resource'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [tenant, read] of await usage())
          for (const [resource, n] of Object.entries(read.limits))
            if (resource !== 'requestsPerSecond' && resource !== 'eventStreams') this.set({ tenant, resource }, n);
      },
    });
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

  /** Notes a tenant this instance served (its usage shows in the next scrapes). */
  noteTenant(tenant: ResolvedTenant): void {
    if (this.recentTenants.size >= MAX_RECENT_TENANTS && !this.recentTenants.has(tenant.slug))
      this.recentTenants.delete(this.recentTenants.keys().next().value!);
    this.recentTenants.delete(tenant.slug);
    this.recentTenants.set(tenant.slug, { tenant, seenAt: Date.now() });
  }

  /**
   * The usage of the tenants served lately, read in their databases (four at a time, each at most
   * every USAGE_TTL_MS): one scrape, both gauges. A tenant that cannot be read keeps its last figures.
   */
  private recentUsage(): Promise<Map<string, { used: Record<string, number>; limits: Record<string, number> }>> {
    this.reading ??= this.readUsage().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private reading?: Promise<Map<string, { used: Record<string, number>; limits: Record<string, number> }>>;

  private async readUsage() {
    const now = Date.now();
    for (const [slug, seen] of this.recentTenants)
      if (now - seen.seenAt > RECENT_MS) {
        this.recentTenants.delete(slug);
        this.usageRead.delete(slug);
      }
    const stale = [...this.recentTenants.values()].filter(
      ({ tenant }) => (this.usageRead.get(tenant.slug)?.at ?? 0) < now - USAGE_TTL_MS,
    );
    const next = async (): Promise<void> => {
      const item = stale.shift();
      if (!item) return;
      try {
        const read = await this.plans.usageOf(item.tenant);
        this.usageRead.set(item.tenant.slug, { at: Date.now(), used: { ...read.used }, limits: { ...read.limits } });
      } catch {
        // its database is away: the last figures stay
      }
      return next();
    };
    await Promise.all([next(), next(), next(), next()]);
    return this.usageRead;
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
