import { auditContext } from '@app/audit';
import { TenantIndexes } from '@app/fleet';
import { TenantContext } from '@app/tenancy';
import { Injectable, Logger } from '@nestjs/common';
import { readRows } from '../read-rows';
import { CustomField } from './custom-field.entity';
import { CustomFieldRegistry } from './custom-field-registry';
import { indexNameOf, indexOf, tableOf } from './custom-field-terms';
import type { CustomFieldEntity } from './custom-field-types';

/** What a job of the `custom-fields` queue carries besides its tenant. */
export interface CustomFieldJob {
  entity: CustomFieldEntity;
  key: string;
  /** `index`: make the index match the definition; `purge`: remove values, index and definition. */
  work: 'index' | 'purge';
  requestedBy: string;
  requestedRole: string;
}

/** Rows changed per statement of a purge: short transactions, no long lock on the table. */
const PURGE_BATCH = 1000;

/**
 * The slow work of custom fields, run by custom-fields.processor.ts in the tenant's context: index
 * builds (CREATE INDEX CONCURRENTLY over the fleet's admin connection) and purges.
 */
@Injectable()
export class CustomFieldJobs {
  private readonly logger = new Logger(CustomFieldJobs.name);

  constructor(
    private readonly tenancy: TenantContext,
    private readonly registry: CustomFieldRegistry,
    private readonly indexes: TenantIndexes,
  ) {}

  /**
   * Makes the index match the definition as it is now (a later change queues its own job): built
   * when indexed, dropped when not; a failed build (duplicates under unique) is recorded on the
   * definition with its reason.
   */
  async index(job: CustomFieldJob): Promise<void> {
    const em = this.tenancy.em.fork();
    const field = await em.findOne(CustomField, { entity: job.entity, key: job.key });
    const tenant = this.tenancy.tenant;
    if (!field || !field.indexed) {
      await this.indexes.drop(tenant, indexNameOf(job.entity, job.key));
      return;
    }
    const spec = indexOf(field.entity, field.key, {
      type: field.type,
      options: field.options ?? null,
      indexed: true,
      unique: field.unique,
    });
    let status: 'ready' | 'failed' = 'ready';
    let reason: string | null = null;
    try {
      await this.indexes.build(tenant, spec);
    } catch (error) {
      const code = (error as { code?: string }).code;
      status = 'failed';
      reason = code === '23505' ? 'stored values are held by more than one record' : 'the index could not be built';
      this.logger.warn(`custom field index ${spec.name} of tenant ${tenant.slug} failed (${code ?? 'error'})`);
    }
    // Only when the definition still asks for this index (a change meanwhile queued its own job).
    await readRows(
      em,
      `update "custom_fields" set "index_status" = $1, "index_error" = $2
        where "entity" = $3 and "key" = $4 and "indexed" and "unique" = $5 and ("type" = 'multiselect') = $6`,
      [status, reason, field.entity, field.key, field.unique, field.type === 'multiselect'],
    );
  }

  /** Removes the key from every record in batches by id, drops its index, then deletes the (archived) definition. */
  async purge(job: CustomFieldJob): Promise<void> {
    const em = this.tenancy.em.fork();
    const table = tableOf(job.entity);
    const field = await em.findOne(CustomField, { entity: job.entity, key: job.key });
    if (!field || !field.archivedAt) return; // restored meanwhile, or purged already
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await readRows(em, `select "id" from "${table}" where "id" > $1 order by "id" limit $2`, [
        after,
        PURGE_BATCH,
      ]);
      if (!batch.length) break;
      after = batch[batch.length - 1].id as string;
      await readRows(
        em,
        `update "${table}" set "custom_fields" = "custom_fields" - $1::text where "id" = any($2::uuid[]) and "custom_fields" ? $1::text`,
        [job.key, batch.map((row) => row.id)],
      );
    }
    await this.indexes.drop(this.tenancy.tenant, indexNameOf(job.entity, job.key));
    const draft = {
      tenant: this.tenancy.tenant.slug,
      actorId: job.requestedBy,
      actorRole: job.requestedRole,
      action: 'custom_field.purge',
      ip: null,
      userAgent: null,
      requestId: null,
      written: false,
    };
    await auditContext.run(draft, () =>
      em.transactional(async (tx) => {
        await readRows(tx, 'update "custom_field_schemas" set "version" = "version" + 1 where "entity" = $1', [
          job.entity,
        ]);
        const locked = await tx.findOne(CustomField, { id: field.id, archivedAt: { $ne: null } });
        if (locked) tx.remove(locked);
      }),
    );
    await this.registry.publish();
  }
}
