import { describeError, NotFoundException } from '@app/common';
import { JobQueue } from '@app/jobs';
import { TenantContext } from '@app/tenancy';
import { IsolationLevel } from '@mikro-orm/core';
import { Injectable, Logger } from '@nestjs/common';
import { auditDownload } from '../download-audit';
import { EXPORT_TTL_MS, ExportFiles, ZipDownload } from '../export-files';
import { planExport } from '../export-plan';
import { ExportsErrors } from '../exports.exception';
import { writeNdjsonZip } from '../ndjson-zip';
import { ClientDetails, Requester, requesterId } from '../tenant-job';
import { ExportView, toExportView } from './export.view';
import { TenantExport } from './tenant-export.entity';

/**
 * Exports of the tenant's whole database. The request records the export and queues it; the
 * `exports` job writes the zip inside one REPEATABLE READ, read-only transaction, so every table
 * comes from the same snapshot, and streams it (server-side cursors, FETCH_ROWS rows at a time).
 */
@Injectable()
export class ExportsService {
  private readonly logger = new Logger('Exports');

  constructor(
    private readonly tenancy: TenantContext,
    private readonly jobs: JobQueue,
    private readonly files: ExportFiles,
  ) {}

  async request(user: Requester, correlationId: string): Promise<ExportView> {
    const em = this.tenancy.em;
    const record = em.create(TenantExport, { requestedBy: requesterId(user) });
    await em.flush();
    const tenant = this.tenancy.tenant;
    await this.jobs.enqueue(
      'exports',
      { tenant: tenant.slug, tenantId: tenant.id, correlationId, data: { id: record.id } },
      { jobId: `export:${record.id}`, attempts: 2, backoffMs: 2000 },
    );
    return toExportView(record);
  }

  async get(id: string): Promise<ExportView> {
    return toExportView(await this.live(id));
  }

  async download(user: Requester, client: ClientDetails, id: string): Promise<ZipDownload> {
    const record = await this.live(id);
    if (record.status !== 'ready') throw ExportsErrors.notReady(record.status);
    const tenant = this.tenancy.tenant;
    const file = await this.files.open(this.files.path(tenant.id, 'export', id));
    if (!file) throw new NotFoundException('The export does not exist.');
    await auditDownload(this.tenancy.em, tenant.slug, user, client, {
      action: 'export.download',
      entity: 'export',
      entityId: id,
      bytes: file.size,
    });
    return { ...file, filename: `${tenant.slug}-export-${id}.zip` };
  }

  /** The export, unless unknown or expired (404); an expired one loses its file now. */
  private async live(id: string): Promise<TenantExport> {
    const em = this.tenancy.em;
    const record = await em.findOne(TenantExport, { id });
    if (!record || record.status === 'expired') throw new NotFoundException('The export does not exist.');
    if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) {
      await this.files.remove(this.files.path(this.tenancy.tenant.id, 'export', id));
      await em.nativeUpdate(TenantExport, { id }, { status: 'expired' });
      throw new NotFoundException('The export does not exist.');
    }
    return record;
  }

  /** The job: writes the zip of the export `id` (in the tenant's context). */
  async run(id: string, final: boolean): Promise<void> {
    const em = this.tenancy.em;
    const record = await em.findOne(TenantExport, { id });
    if (!record || record.status === 'ready' || record.status === 'expired') return;
    await em.nativeUpdate(TenantExport, { id }, { status: 'running', error: null });
    const tenantId = this.tenancy.tenant.id;
    const part = await this.files.partFor(tenantId, 'export', id);
    try {
      const { manifest, bytes } = await em.transactional(
        async (tx) => {
          const plan = await planExport(tx);
          return writeNdjsonZip(tx, part, plan.tables, {
            schemaVersion: plan.schemaVersion,
            createdAt: new Date().toISOString(),
            skippedTables: plan.skippedTables,
          });
        },
        { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
      );
      const completedAt = new Date();
      const expiresAt = new Date(completedAt.getTime() + EXPORT_TTL_MS);
      await this.files.publish(part, this.files.path(tenantId, 'export', id), expiresAt);
      await em.nativeUpdate(
        TenantExport,
        { id },
        { status: 'ready', manifest, sizeBytes: String(bytes), completedAt, expiresAt },
      );
    } catch (error) {
      await this.files.remove(this.files.path(tenantId, 'export', id));
      this.logger.warn(`export ${id} failed: ${describeError(error)}`);
      await em.nativeUpdate(
        TenantExport,
        { id },
        final ? { status: 'failed', error: describeError(error) } : { status: 'pending' },
      );
      throw error;
    }
  }
}
