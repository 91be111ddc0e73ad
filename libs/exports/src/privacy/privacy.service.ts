import { auditContext, eraseFromAuditTrail } from '@app/audit';
import { describeError, NotFoundException } from '@app/common';
import { JobQueue } from '@app/jobs';
import { TenantContext } from '@app/tenancy';
import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { auditDownload } from '../download-audit';
import { EXPORT_TTL_MS, ExportFiles } from '../export-files';
import { ExportsErrors } from '../exports.exception';
import { writeNdjsonZip } from '../ndjson-zip';
import type { ZipDownload } from '../export-files';
import { ClientDetails, Requester, requesterId } from '../tenant-job';
import { CreatePrivacyRequestDto } from './dto/create-privacy-request.dto';
import { accessQueries, ERASED, PERSONAL_FIELDS } from './person-records';
import { PrivacyRequest, PrivacyRequestResult } from './privacy-request.entity';
import { PrivacyRequestView, toPrivacyRequestView } from './privacy-request.view';

/**
 * Privacy requests about one person, found by e-mail address. The request records it and queues
 * a `privacy` job, which either writes a zip of every record about the person (access) or erases
 * them (erase: see `erase`).
 */
@Injectable()
export class PrivacyService {
  private readonly logger = new Logger('Privacy');

  constructor(
    private readonly tenancy: TenantContext,
    private readonly jobs: JobQueue,
    private readonly files: ExportFiles,
  ) {}

  async request(user: Requester, dto: CreatePrivacyRequestDto, correlationId: string): Promise<PrivacyRequestView> {
    const em = this.tenancy.em;
    const record = em.create(PrivacyRequest, { type: dto.type, email: dto.email, requestedBy: requesterId(user) });
    await em.flush();
    const tenant = this.tenancy.tenant;
    await this.jobs.enqueue(
      'privacy',
      { tenant: tenant.slug, tenantId: tenant.id, correlationId, data: { id: record.id } },
      { jobId: `privacy:${record.id}`, attempts: 2, backoffMs: 2000 },
    );
    return toPrivacyRequestView(record);
  }

  async get(id: string): Promise<PrivacyRequestView> {
    return toPrivacyRequestView(await this.find(id));
  }

  /** An access request's zip; gone (404) after its expiry. */
  async download(user: Requester, client: ClientDetails, id: string): Promise<ZipDownload> {
    const record = await this.find(id);
    if (record.type !== 'access' || record.status !== 'done') throw ExportsErrors.noDownload();
    const tenant = this.tenancy.tenant;
    const path = this.files.path(tenant.id, 'privacy', id);
    if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) {
      await this.files.remove(path);
      throw new NotFoundException('The access zip has expired.');
    }
    const file = await this.files.open(path);
    if (!file) throw new NotFoundException('The access zip has expired.');
    await auditDownload(this.tenancy.em, tenant.slug, user, client, {
      action: 'privacy_request.download',
      entity: 'privacy_request',
      entityId: id,
      bytes: file.size,
    });
    return { ...file, filename: `${tenant.slug}-privacy-access-${id}.zip` };
  }

  private async find(id: string): Promise<PrivacyRequest> {
    const record = await this.tenancy.em.findOne(PrivacyRequest, { id });
    if (!record) throw new NotFoundException('The privacy request does not exist.');
    return record;
  }

  /** The job: answers the request `id` (in the tenant's context). */
  async run(id: string, final: boolean): Promise<void> {
    const em = this.tenancy.em;
    const record = await em.findOne(PrivacyRequest, { id });
    if (!record || record.status === 'done') return;
    await em.nativeUpdate(PrivacyRequest, { id }, { status: 'running', error: null });
    try {
      const email = record.email ?? '';
      const done = record.type === 'access' ? await this.access(em, id, email) : await this.erase(em, record, email);
      await em.nativeUpdate(PrivacyRequest, { id }, { status: 'done', completedAt: new Date(), ...done });
    } catch (error) {
      if (record.type === 'access') await this.files.remove(this.files.path(this.tenancy.tenant.id, 'privacy', id));
      this.logger.warn(`privacy request ${id} failed: ${describeError(error)}`);
      await em.nativeUpdate(
        PrivacyRequest,
        { id },
        final ? { status: 'failed', error: describeError(error) } : { status: 'pending' },
      );
      throw error;
    }
  }

  /** A zip of the person's leads, their deals and the audit entries about them, from one snapshot. */
  private async access(
    em: EntityManager,
    id: string,
    email: string,
  ): Promise<{ result: PrivacyRequestResult; expiresAt: Date }> {
    const tenantId = this.tenancy.tenant.id;
    const part = await this.files.partFor(tenantId, 'privacy', id);
    const { manifest } = await em.transactional(
      async (tx) => {
        const [latest] = await tx
          .getConnection()
          .execute<{ name: string }[]>(
            'select name from mikro_orm_migrations order by name desc limit 1',
            [],
            'all',
            tx.getTransactionContext(),
          );
        return writeNdjsonZip(tx, part, accessQueries(email), {
          schemaVersion: latest?.name ?? 'none',
          createdAt: new Date().toISOString(),
        });
      },
      { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
    );
    const expiresAt = new Date(Date.now() + EXPORT_TTL_MS);
    await this.files.publish(part, this.files.path(tenantId, 'privacy', id), expiresAt);
    const rows = (name: string) => manifest.tables.find((t) => t.name === name)?.rows ?? 0;
    return { result: { leads: rows('leads'), deals: rows('deals'), auditEntries: rows('audit_logs') }, expiresAt };
  }

  /**
   * One transaction, one erasure at a time per tenant (a transaction advisory lock): the person's
   * leads lose name, e-mail, phone, company and custom values, their deals their title and custom
   * values (name becomes `[erased]`, the optional fields null), and so do their events in the
   * outbox; the audit trail keeps its entries with those values redacted and a
   * `privacy.erase` entry listing them (eraseFromAuditTrail); the e-mail leaves this request and
   * every finished request naming it. Plain SQL, not the ORM's flush: an ordinary audit entry of
   * the change would carry the values it erases.
   */
  private async erase(
    em: EntityManager,
    record: PrivacyRequest,
    email: string,
  ): Promise<{ result: PrivacyRequestResult; email: null }> {
    const tenant = this.tenancy.tenant;
    const result = await em.transactional(async (tx) => {
      const connection = tx.getConnection();
      const trx = tx.getTransactionContext();
      const run = <T>(sql: string, params: unknown[]) => connection.execute<T[]>(sql, params, 'all', trx);
      await run("select pg_advisory_xact_lock(hashtext('tessera:privacy-erase'))", []);
      const leads = (await run<{ id: string }>('select id from leads where lower(email) = ? for update', [email])).map(
        (r) => r.id,
      );
      const leadIds = `{${leads.join(',')}}`;
      const deals = (
        await run<{ id: string }>('select id from deals where lead_id = any(?::uuid[]) for update', [leadIds])
      ).map((r) => r.id);
      const dealIds = `{${deals.join(',')}}`;
      await run(
        `update leads set name = ?, email = null, phone = null, company = null, custom_fields = '{}', updated_at = now()
          where id = any(?::uuid[])`,
        [ERASED, leadIds],
      );
      await run(`update deals set title = ?, custom_fields = '{}', updated_at = now() where id = any(?::uuid[])`, [
        ERASED,
        dealIds,
      ]);
      // The event log (and the webhook deliveries still to go out, which read it) keeps the events, not the person.
      await run(
        `update outbox set data = data || jsonb_build_object('name', ?::text, 'email', null, 'phone', null,
           'company', null, 'customFields', '{}'::jsonb) where entity = 'lead' and entity_id = any(?::uuid[])`,
        [ERASED, leadIds],
      );
      await run(
        `update outbox set data = data || jsonb_build_object('title', ?::text, 'customFields', '{}'::jsonb)
          where entity = 'deal' and entity_id = any(?::uuid[])`,
        [ERASED, dealIds],
      );
      const audit = await eraseFromAuditTrail(tx, {
        actor: { tenant: tenant.slug, actorId: record.requestedBy, actorRole: 'company_admin', requestId: null },
        records: [
          { entity: 'lead', ids: leads },
          { entity: 'deal', ids: deals },
        ],
        fields: PERSONAL_FIELDS,
        needles: [email],
        summary: { request: record.id, leads: leads.length, deals: deals.length },
      });
      await run(
        `update privacy_requests set email = null
          where lower(email) = ? and (id = ? or status in ('done', 'failed'))`,
        [email, record.id],
      );
      return { leads: leads.length, deals: deals.length, auditEntries: audit.redacted };
    });
    auditContext.markGrown(tenant.dbName);
    return { result, email: null };
  }
}
