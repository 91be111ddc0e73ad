import { SecretBox } from '@app/catalog';
import { NotFoundException, Page, pageWindow, parseSort, type Precondition, ValidationException } from '@app/common';
import { TenantContext } from '@app/tenancy';
import { DeadlockException, EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { type AttemptStatus, ListWebhookAttemptsQuery } from './dto/list-webhook-attempts.query';
import { ListWebhooksQuery } from './dto/list-webhooks.query';
import { UpdateWebhookDto } from './dto/update-webhook.dto';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookNetwork } from './webhook-network';
import { WebhookPresence } from './webhook-presence';
import { newWebhookSecret } from './webhook-signature';
import { WebhookWake } from './webhook-wake';
import {
  CreatedWebhookView,
  RetriedDeliveryView,
  RotatedSecretView,
  toWebhookView,
  WebhookAttemptView,
  WebhookView,
} from './webhook.view';
import { WebhooksErrors } from './webhooks.exception';

const ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** A tenant's webhook endpoints (company admins): their secrets, their attempt log, retries by hand. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly network: WebhookNetwork,
    private readonly secrets: SecretBox,
    private readonly wake: WebhookWake,
    private readonly presence: WebhookPresence,
  ) {}

  async list(query: ListWebhooksQuery): Promise<Page<WebhookView>> {
    const sort = parseSort(query.sort, { field: 'createdAt', direction: 'desc' });
    const [rows, total] = await this.tenancy.em.findAndCount(
      WebhookEndpoint,
      {},
      { orderBy: [{ [sort.field]: sort.direction }, { id: 'asc' }], ...pageWindow(query) },
    );
    return { data: rows.map(toWebhookView), meta: { page: query.page, limit: query.limit, total } };
  }

  /**
   * Saves the endpoint with a new secret (answered once). Its starting point is the outbox head read
   * with FOR SHARE in the same transaction: a commit writing events either finished before (and
   * is not delivered here) or waits for this one (and is).
   */
  async create(dto: CreateWebhookDto): Promise<CreatedWebhookView> {
    await this.assertUrl(dto.url);
    const secret = newWebhookSecret();
    const endpoint = await this.tenancy.em.transactional(async (em) => {
      const [head] = await em
        .getConnection()
        .execute<{ last_seq: string }[]>(
          'select last_seq from outbox_head where id = 1 for share',
          [],
          'all',
          em.getTransactionContext(),
        );
      const created = em.create(WebhookEndpoint, {
        url: dto.url,
        events: dto.events,
        active: dto.active ?? true,
        secret: this.secrets.seal(secret),
        afterSeq: head?.last_seq ?? '0',
      });
      await em.flush();
      return created;
    });
    this.presence.changed(this.tenancy.tenant.id);
    return { ...toWebhookView(endpoint), secret };
  }

  async get(id: string): Promise<WebhookView> {
    return toWebhookView(await this.find(this.tenancy.em, id));
  }

  /** Changes the endpoint under its row lock (If-Match checked there); enabling a disabled one clears its failure. */
  async update(id: string, dto: UpdateWebhookDto, precondition?: Precondition): Promise<WebhookView> {
    if (dto.url !== undefined) await this.assertUrl(dto.url);
    const { view, enabled } = await this.tenancy.em.transactional(async (em) => {
      const endpoint = await this.find(em, id, true);
      precondition?.assertMatches(toWebhookView(endpoint));
      const enabled = dto.active === true && !endpoint.active;
      if (dto.url !== undefined) endpoint.url = dto.url;
      if (dto.events !== undefined) endpoint.events = dto.events;
      if (dto.active !== undefined) endpoint.active = dto.active;
      if (enabled) {
        endpoint.failingSince = null;
        endpoint.disabledAt = null;
        endpoint.disabledReason = null;
      }
      await em.flush();
      return { view: toWebhookView(endpoint), enabled };
    });
    this.presence.changed(this.tenancy.tenant.id);
    if (enabled) await this.wake.deliveries(this.tenancy.tenant);
    return view;
  }

  /** Deletes the endpoint with its deliveries and attempt log; an attempt recording meanwhile may deadlock it once. */
  async remove(id: string, precondition?: Precondition): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        await this.tenancy.em.transactional(async (em) => {
          const endpoint = await this.find(em, id, true);
          precondition?.assertMatches(toWebhookView(endpoint));
          em.remove(endpoint);
          await em.flush();
        });
        this.presence.changed(this.tenancy.tenant.id);
        return;
      } catch (error) {
        if (!(error instanceof DeadlockException) || tries >= 3) throw error;
      }
    }
  }

  /**
   * A new secret, under the endpoint's row lock: the current one becomes the previous one and keeps
   * signing for 24 h. Concurrent rotations queue on the lock, each replacing the one before.
   */
  async rotateSecret(id: string): Promise<RotatedSecretView> {
    const secret = newWebhookSecret();
    const expiresAt = await this.tenancy.em.transactional(async (em) => {
      const endpoint = await this.find(em, id, true);
      endpoint.previousSecret = endpoint.secret;
      endpoint.previousSecretExpiresAt = new Date(Date.now() + ROTATION_OVERLAP_MS);
      endpoint.secret = this.secrets.seal(secret);
      await em.flush();
      return endpoint.previousSecretExpiresAt;
    });
    return { secret, previousSecretExpiresAt: expiresAt.toISOString() };
  }

  /** The endpoint's attempts, newest first. */
  async attempts(id: string, query: ListWebhookAttemptsQuery): Promise<Page<WebhookAttemptView>> {
    await this.find(this.tenancy.em, id);
    const connection = this.tenancy.rootEm.getConnection();
    const status = query.status ?? null;
    const { limit, offset } = pageWindow(query);
    const [rows, [{ total }]] = await Promise.all([
      connection.execute<
        {
          id: string;
          event_id: string;
          attempt: number;
          status: AttemptStatus;
          response_code: number | null;
          ms: number;
          at: Date;
        }[]
      >(
        `select id, event_id, attempt, status, response_code, ms, at from webhook_attempts
         where endpoint_id = ? and (?::text is null or status = ?) order by at desc, id limit ? offset ?`,
        [id, status, status, limit, offset],
      ),
      connection.execute<{ total: string }[]>(
        'select count(*) as total from webhook_attempts where endpoint_id = ? and (?::text is null or status = ?)',
        [id, status, status],
      ),
    ]);
    return {
      data: rows.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        attempt: r.attempt,
        status: r.status,
        responseCode: r.response_code,
        ms: r.ms,
        at: new Date(r.at).toISOString(),
      })),
      meta: { page: query.page, limit: query.limit, total: Number(total) },
    };
  }

  /**
   * Sends the delivery of one of the endpoint's attempts (`attemptId`, as the attempt log lists
   * them) again, now: a conditional update, so a delivery still pending is refused (409) and
   * concurrent retries queue it once.
   */
  async retry(id: string, attemptId: string): Promise<RetriedDeliveryView> {
    const connection = this.tenancy.em.getConnection();
    const [row] = await connection.execute<{ id: string; event_id: string; next_attempt_at: Date }[]>(
      `update webhook_deliveries d set status = 'pending', next_attempt_at = now(), completed_at = null
       from webhook_attempts a
       where a.id = ? and a.endpoint_id = ? and d.id = a.delivery_id and d.status <> 'pending'
         and exists (select 1 from outbox o where o.id = d.event_id)
       returning d.id, d.event_id, d.next_attempt_at`,
      [attemptId, id],
    );
    if (!row) {
      const [found] = await connection.execute<{ status: string; kept: boolean }[]>(
        `select d.status, exists (select 1 from outbox o where o.id = d.event_id) as kept
         from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where a.id = ? and a.endpoint_id = ?`,
        [attemptId, id],
      );
      if (!found) throw new NotFoundException('No such delivery.');
      throw found.status === 'pending' ? WebhooksErrors.deliveryPending() : WebhooksErrors.eventExpired();
    }
    await this.wake.deliveries(this.tenancy.tenant);
    return {
      id: row.id,
      eventId: row.event_id,
      status: 'pending',
      nextAttemptAt: new Date(row.next_attempt_at).toISOString(),
    };
  }

  private async find(em: EntityManager, id: string, lock = false): Promise<WebhookEndpoint> {
    const endpoint = await em.findOne(
      WebhookEndpoint,
      { id },
      lock ? { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } : {},
    );
    if (!endpoint) throw new NotFoundException('No such webhook.');
    return endpoint;
  }

  private async assertUrl(url: string): Promise<void> {
    const problem = await this.network.problem(url);
    if (problem) throw new ValidationException([{ field: 'url', message: problem }]);
  }
}
