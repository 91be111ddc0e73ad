import { auditContext } from '@app/audit';
import { NotFoundException, Page, pageOf, pageWindow, parseSort, type Precondition } from '@app/common';
import { JobQueue } from '@app/jobs';
import { TenantContext } from '@app/tenancy';
import { type EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CrmErrors } from '../crm.exception';
import { readRows } from '../read-rows';
import { CustomField, CustomFieldView, toCustomFieldView } from './custom-field.entity';
import { CustomFieldRegistry } from './custom-field-registry';
import { assertTerms, ruleOf, tableOf, type Terms } from './custom-field-terms';
import { type CustomFieldEntity, fitsStored } from './custom-field-types';
import { CustomFieldJob } from './custom-field-jobs';
import { CreateCustomFieldDto } from './dto/create-custom-field.dto';
import { ListCustomFieldsQuery } from './dto/list-custom-fields.query';
import { UpdateCustomFieldDto } from './dto/update-custom-field.dto';

/** Takes the entity's version row FOR UPDATE and bumps it: writers of values wait, then see new definitions. */
async function bumpVersion(em: EntityManager, entity: CustomFieldEntity): Promise<void> {
  await readRows(em, 'update "custom_field_schemas" set "version" = "version" + 1 where "entity" = $1', [entity]);
}

function termsOf(field: Pick<CustomField, 'type' | 'options' | 'indexed' | 'unique'>): Terms {
  return { type: field.type, options: field.options ?? null, indexed: field.indexed, unique: field.unique };
}

/**
 * Custom field definitions of leads and deals (company admins manage them, every role reads).
 * Each change locks the entity's definitions version row, so a change and a write of values never
 * interleave; after it commits, every instance's cache gets the new definitions, and an index
 * change goes to the `custom-fields` queue.
 */
@Injectable()
export class CustomFieldsService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly registry: CustomFieldRegistry,
    private readonly jobs: JobQueue,
  ) {}

  async list(query: ListCustomFieldsQuery): Promise<Page<CustomFieldView>> {
    const sort = parseSort(query.sort, { field: 'createdAt', direction: 'asc' });
    const { limit, offset } = pageWindow(query);
    const found = await this.tenancy.em.findAndCount(CustomField, query.entity ? { entity: query.entity } : {}, {
      orderBy: { [sort.field]: sort.direction, id: sort.direction },
      limit,
      offset,
    });
    return pageOf(query, found, toCustomFieldView);
  }

  async get(entity: CustomFieldEntity, key: string): Promise<CustomFieldView> {
    return toCustomFieldView(await this.find(this.tenancy.em, entity, key));
  }

  async create(dto: CreateCustomFieldDto): Promise<CustomFieldView> {
    const terms: Terms = {
      type: dto.type,
      options: dto.options ?? null,
      indexed: dto.indexed ?? false,
      unique: dto.unique ?? false,
    };
    assertTerms(terms);
    let field: CustomField;
    try {
      field = await this.tenancy.em.transactional(async (em) => {
        await bumpVersion(em, dto.entity);
        const made = em.create(CustomField, {
          entity: dto.entity,
          key: dto.key,
          label: dto.label,
          required: dto.required ?? false,
          ...terms,
          indexStatus: terms.indexed ? 'pending' : 'none',
        });
        await em.flush();
        return made;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw CrmErrors.customFieldExists(dto.entity, dto.key);
      throw error;
    }
    await this.changed(field, terms.indexed ? 'index' : undefined);
    return toCustomFieldView(field);
  }

  /**
   * Changes a definition's terms. A new type or options that stored values do not fit → 409 with
   * their number; a unique flag over values held twice → 409; else the change commits, and a
   * changed index is rebuilt by a job. `archived: false` restores an archived definition.
   */
  async update(
    entity: CustomFieldEntity,
    key: string,
    dto: UpdateCustomFieldDto,
    precondition?: Precondition,
  ): Promise<CustomFieldView> {
    let reindex = false;
    const field = await this.tenancy.em.transactional(async (em) => {
      await bumpVersion(em, entity);
      const current = await this.find(em, entity, key, true);
      precondition?.assertMatches(toCustomFieldView(current));
      const before = termsOf(current);
      const after: Terms = {
        type: dto.type ?? before.type,
        options:
          dto.options !== undefined
            ? dto.options
            : dto.type && !['select', 'multiselect'].includes(dto.type)
              ? null
              : before.options,
        indexed: dto.indexed ?? before.indexed,
        unique: dto.unique ?? (dto.indexed === false ? false : before.unique),
      };
      assertTerms(after);
      const required = dto.required ?? current.required;
      if (after.type !== before.type || JSON.stringify(after.options) !== JSON.stringify(before.options)) {
        const bad = await this.countMisfits(em, entity, key, { ...after, required });
        if (bad) throw CrmErrors.valuesMismatch(key, bad);
      }
      if (after.unique && (!before.unique || after.type !== before.type)) {
        const held = await this.countDuplicates(em, entity, key);
        if (held) throw CrmErrors.duplicates(key, held);
      }
      reindex =
        after.indexed !== before.indexed ||
        (after.indexed &&
          (after.unique !== before.unique || (after.type === 'multiselect') !== (before.type === 'multiselect')));
      if (reindex) current.indexStatus = after.indexed ? 'pending' : 'none';
      if (reindex) current.indexError = null;
      Object.assign(current, after, { required, label: dto.label ?? current.label });
      if (dto.archived === false) current.archivedAt = null;
      await em.flush();
      return current;
    });
    await this.changed(field, reindex ? 'index' : undefined);
    return toCustomFieldView(field);
  }

  /** DELETE: archives (values kept and hidden); with `purge` a job then removes the values, the index and the definition. */
  async archive(entity: CustomFieldEntity, key: string, purge: boolean, precondition?: Precondition): Promise<void> {
    const field = await this.tenancy.em.transactional(async (em) => {
      await bumpVersion(em, entity);
      const current = await this.find(em, entity, key, true);
      precondition?.assertMatches(toCustomFieldView(current));
      current.archivedAt ??= new Date();
      await em.flush();
      return current;
    });
    await this.changed(field, purge ? 'purge' : undefined);
  }

  /** Stored values of the key that do not fit these terms (counted per distinct value, in the definitions' lock). */
  private async countMisfits(
    em: EntityManager,
    entity: CustomFieldEntity,
    key: string,
    terms: Terms & { required: boolean },
  ): Promise<number> {
    const rule = ruleOf(key, terms);
    const rows = await readRows(
      em,
      `select "custom_fields" -> $1::text as "v", count(*) as "n" from "${tableOf(entity)}"
        where "custom_fields" -> $1::text is not null group by 1`,
      [key],
    );
    return rows.reduce((bad, row) => (fitsStored(rule, row.v) ? bad : bad + Number(row.n)), 0);
  }

  private async countDuplicates(em: EntityManager, entity: CustomFieldEntity, key: string): Promise<number> {
    const [row] = await readRows(
      em,
      `select count(*) as "n" from (select 1 from "${tableOf(entity)}" where "custom_fields" -> $1::text is not null
        group by "custom_fields" -> $1::text having count(*) > 1) as "held"`,
      [key],
    );
    return Number(row.n);
  }

  private async find(em: EntityManager, entity: CustomFieldEntity, key: string, lock = false): Promise<CustomField> {
    const field = await em.findOne(
      CustomField,
      { entity, key },
      lock ? { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } : {},
    );
    if (!field) throw new NotFoundException(`No custom field ${key} of ${entity}s.`);
    return field;
  }

  /** After a committed change: new definitions everywhere, and the job an index or purge needs. */
  private async changed(field: CustomField, work?: CustomFieldJob['work']): Promise<void> {
    await this.registry.publish();
    if (!work) return;
    const tenant = this.tenancy.tenant;
    const draft = auditContext.current();
    const data: CustomFieldJob = {
      entity: field.entity,
      key: field.key,
      work,
      requestedBy: draft?.actorId ?? 'system',
      requestedRole: draft?.actorRole ?? 'system',
    };
    await this.jobs.enqueue(
      'custom-fields',
      { tenant: tenant.slug, tenantId: tenant.id, correlationId: draft?.requestId ?? randomUUID(), data },
      { jobId: `cf:${tenant.id}:${field.entity}:${field.key}:${work}:${randomUUID()}`, attempts: 3, backoffMs: 1000 },
    );
  }
}
