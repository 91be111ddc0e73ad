import { SecretBox } from '@app/catalog';
import { describeError } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import type { ResolvedTenant } from '@app/tenancy';
import { TenantContext, TenantOrmRegistry } from '@app/tenancy';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryPayload,
  WebhookDeliveryRepository,
} from './webhook-delivery.repository';
import { WebhookNetwork } from './webhook-network';
import { webhookHeaders } from './webhook-signature';

/** Attempts in flight at once: per tenant, per endpoint, per process. */
export const DELIVERY_CONCURRENCY = { tenant: 16, endpoint: 8, process: 256 };
/** A timer never waits longer than this: a long retry is looked at again (and the full sweep kicks too). */
const MAX_TIMER_MS = 600_000;
/** Tries to record an attempt while the tenant's pool is busy. */
const RECORD_TRIES = 5;
/** Retry of a pump that failed (database unreachable, tenant pools busy). */
const PUMP_RETRY_MS = 250;

interface TenantLane {
  tenant: ResolvedTenant;
  inflight: number;
  perEndpoint: Map<string, number>;
  pumping: boolean;
  again: boolean;
  timer?: NodeJS.Timeout;
  timerAt?: number;
}

/**
 * Sends the tenants' due deliveries from this process. Each tenant has a lane of its own: at most
 * 16 attempts in flight per tenant and 8 per endpoint, so a tenant whose endpoint hangs for the full
 * 10 s timeout holds only its own slots, never another tenant's. A lane is woken (`kick`) by the
 * relay, a manual retry, a finished attempt or its timer for the next retry; the database decides
 * what is due (`SKIP LOCKED` claims with a lease), so several processes may pump the same tenant.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly lanes = new Map<string, TenantLane>();
  private readonly sending = new Set<Promise<void>>();
  private inflight = 0;
  private closed = false;
  private readonly leaseMs: number;

  constructor(
    private readonly registry: TenantOrmRegistry,
    private readonly tenancy: TenantContext,
    private readonly network: WebhookNetwork,
    private readonly secrets: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.leaseMs = network.timeoutMs + 5_000;
  }

  /** Looks for the tenant's due deliveries now (again, if a look is under way). */
  kick(tenant: ResolvedTenant): void {
    if (this.closed) return;
    let lane = this.lanes.get(tenant.id);
    if (!lane) {
      lane = { tenant, inflight: 0, perEndpoint: new Map(), pumping: false, again: false };
      this.lanes.set(tenant.id, lane);
    }
    lane.tenant = tenant;
    if (lane.pumping) {
      lane.again = true;
      return;
    }
    void this.pump(lane);
  }

  /** Attempts in flight in this process (for tests and metrics). */
  inFlight(): number {
    return this.inflight;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) clearTimeout(lane.timer);
    // An attempt cut short is sent again after its lease: nothing is lost by not waiting long.
    await Promise.race([Promise.allSettled([...this.sending]), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.network.close();
  }

  private async pump(lane: TenantLane): Promise<void> {
    lane.pumping = true;
    try {
      do {
        lane.again = false;
        await this.fill(lane);
      } while (lane.again && !this.closed);
    } catch (error) {
      this.logger.warn(`could not look for deliveries of tenant ${lane.tenant.slug}: ${describeError(error)}`);
      this.wakeAt(lane, Date.now() + PUMP_RETRY_MS);
    } finally {
      lane.pumping = false;
    }
  }

  /** Claims as many due deliveries as the lane has room for and starts them; else sets the timer. */
  private async fill(lane: TenantLane): Promise<void> {
    const room = Math.min(DELIVERY_CONCURRENCY.tenant - lane.inflight, DELIVERY_CONCURRENCY.process - this.inflight);
    if (room <= 0) return; // a finishing attempt kicks the lane again
    const full = [...lane.perEndpoint].filter(([, n]) => n >= DELIVERY_CONCURRENCY.endpoint).map(([id]) => id);
    const { claimed, nextDue } = await this.registry.run(lane.tenant, async () => {
      const deliveries = this.repository();
      const claimed = await deliveries.claim(room, DELIVERY_CONCURRENCY.endpoint, full, this.leaseMs);
      const nextDue = claimed.length ? null : await deliveries.nextDue();
      return { claimed, nextDue };
    });
    for (const { delivery, payload } of claimed) this.start(lane, delivery, payload);
    if (nextDue) this.wakeAt(lane, nextDue.getTime());
  }

  private start(lane: TenantLane, delivery: ClaimedDelivery, payload: DeliveryPayload | undefined): void {
    lane.inflight++;
    this.inflight++;
    lane.perEndpoint.set(delivery.endpointId, (lane.perEndpoint.get(delivery.endpointId) ?? 0) + 1);
    const sending = this.attempt(lane.tenant, delivery, payload)
      .catch((error: unknown) =>
        this.logger.warn(`webhook delivery ${delivery.id} of tenant ${lane.tenant.slug}: ${describeError(error)}`),
      )
      .finally(() => {
        this.sending.delete(sending);
        lane.inflight--;
        this.inflight--;
        const left = (lane.perEndpoint.get(delivery.endpointId) ?? 1) - 1;
        if (left > 0) lane.perEndpoint.set(delivery.endpointId, left);
        else lane.perEndpoint.delete(delivery.endpointId);
        this.kick(lane.tenant);
      });
    this.sending.add(sending);
  }

  /** One attempt: sign, POST, record the outcome and when to try again. */
  private async attempt(tenant: ResolvedTenant, delivery: ClaimedDelivery, payload?: DeliveryPayload): Promise<void> {
    const schedule = this.config.webhooks.retryScheduleMs;
    const retryInMs = delivery.attempts <= schedule.length ? schedule[delivery.attempts - 1] : null;
    if (!payload) {
      // The event left the 30-day log before it could be delivered: nothing to send, ever.
      const record = { delivery, ok: false, responseCode: null, ms: 0, error: 'event expired', retryInMs: null };
      return this.registry.run(tenant, () => this.repository().record(record));
    }
    const body = JSON.stringify({
      id: payload.eventId,
      type: payload.type,
      occurredAt: payload.occurredAt.toISOString(),
      tenant: tenant.slug,
      data: payload.data,
    });
    const signing = [this.secrets.open(payload.secret)];
    if (payload.previousSecret && payload.previousSecretExpiresAt && payload.previousSecretExpiresAt > new Date())
      signing.push(this.secrets.open(payload.previousSecret));
    const headers = webhookHeaders(signing, payload.eventId, Math.floor(Date.now() / 1000), body);
    const outcome = await this.network.post(payload.url, headers, body);
    await this.recorded(tenant, { delivery, ...outcome, retryInMs: outcome.ok ? null : retryInMs });
  }

  /**
   * Records an attempt, trying again while the tenant's pool is busy: an attempt left unrecorded
   * would be sent again only after its lease (a duplicate, and late).
   */
  private async recorded(tenant: ResolvedTenant, record: AttemptRecord): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        return await this.registry.run(tenant, () => this.repository().record(record));
      } catch (error) {
        if (tries >= RECORD_TRIES || this.closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * tries));
      }
    }
  }

  private repository(): WebhookDeliveryRepository {
    return new WebhookDeliveryRepository(this.tenancy.em);
  }

  private wakeAt(lane: TenantLane, at: number): void {
    if (this.closed) return;
    const when = Math.min(Math.max(at, Date.now()), Date.now() + MAX_TIMER_MS);
    if (lane.timer && lane.timerAt !== undefined && lane.timerAt <= when) return;
    clearTimeout(lane.timer);
    lane.timerAt = when;
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      lane.timerAt = undefined;
      this.kick(lane.tenant);
    }, when - Date.now());
    lane.timer.unref();
  }
}
