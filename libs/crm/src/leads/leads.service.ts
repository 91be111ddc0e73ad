import type { Principal } from '@app/auth';
import { Page, pageOf, parseSort, type Precondition } from '@app/common';
import { TenantContext } from '@app/tenancy';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AssignOwnerDto } from '../assign-owner.dto';
import { CrmErrors } from '../crm.exception';
import { Deal, DealView, toDealView } from '../deals/deal.entity';
import { normalizeAmount } from '../money';
import { assertActiveUser, findVisible, ownerScope } from '../record-access';
import { customListTerms, type CustomListParams } from '../custom-fields/custom-field-filters';
import { CustomFieldValues } from '../custom-fields/custom-field-values';
import { ConvertLeadDto } from './dto/convert-lead.dto';
import { CreateLeadDto } from './dto/create-lead.dto';
import { ListLeadsQuery } from './dto/list-leads.query';
import { UpdateLeadDto } from './dto/update-lead.dto';
import { assertTransition, Lead, LeadView, toLeadView } from './lead.entity';
import { LeadRepository } from './lead.repository';

@Injectable()
export class LeadsService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly values: CustomFieldValues,
  ) {}

  private get leads(): LeadRepository {
    return this.tenancy.em.getRepository(Lead);
  }

  /** Custom values are checked against the definitions confirmed in the creating transaction. */
  async create(principal: Principal, dto: CreateLeadDto): Promise<LeadView> {
    const { customFields, ...fields } = dto;
    return this.tenancy.em.transactional(async (em) => {
      const { values, rules } = await this.values.apply(em, 'lead', {}, customFields, true);
      const lead = em.getRepository(Lead).create({ ...fields, customFields: values, ownerId: principal.sub });
      await this.flush(em);
      return toLeadView(lead, rules);
    });
  }

  async list(principal: Principal, query: ListLeadsQuery, params?: CustomListParams): Promise<Page<LeadView>> {
    const rules = await this.values.rules('lead');
    const custom = customListTerms(rules, params ?? { filters: {} });
    const found = await this.tenancy.rootEm.getRepository(Lead).search({
      ownerScope: ownerScope(principal),
      status: query.status,
      ownerId: query.ownerId,
      q: query.q,
      custom: custom.conditions,
      updatedSince: query.updatedSince ? new Date(query.updatedSince) : undefined,
      sort: custom.sort ?? parseSort(query.sort, { field: 'createdAt', direction: 'desc' }),
      page: query.page,
      limit: query.limit,
    });
    return pageOf(query, found, (view) => ({ ...view, customFields: this.values.answer(rules, view.customFields) }));
  }

  async get(principal: Principal, id: string): Promise<LeadView> {
    const rules = await this.values.rules('lead');
    return toLeadView(await findVisible(this.tenancy.em, Lead, principal, id, 'lead'), rules);
  }

  /**
   * Changes the lead under its row lock: a conversion committing meanwhile is seen, and wins (409
   * here), and of writers holding the same ETag (`If-Match`) the first wins and the rest get 412.
   */
  async update(principal: Principal, id: string, dto: UpdateLeadDto, precondition?: Precondition): Promise<LeadView> {
    return this.tenancy.em.transactional(async (em) => {
      const { customFields, ...fields } = dto;
      const lead = await this.open(em, principal, id, precondition);
      if (fields.status !== undefined) assertTransition(lead.status, fields.status);
      em.getRepository(Lead).assign(lead, fields);
      let rules = await this.values.rules('lead');
      if (customFields !== undefined) {
        const applied = await this.values.apply(em, 'lead', lead.customFields, customFields, false);
        lead.customFields = applied.values;
        rules = applied.rules;
      }
      await this.flush(em);
      return toLeadView(lead, rules);
    });
  }

  /** Gives the lead to another active user of the tenant (managers and company admins), under the lead's row lock. */
  async assign(principal: Principal, id: string, dto: AssignOwnerDto): Promise<LeadView> {
    return this.tenancy.em.transactional(async (em) => {
      const lead = await this.open(em, principal, id);
      await assertActiveUser(em, dto.ownerId);
      lead.ownerId = dto.ownerId;
      await em.flush();
      return toLeadView(lead, await this.values.rules('lead'));
    });
  }

  /**
   * Turns the lead into a deal in one transaction; a converted lead is final. The lead row is
   * locked first, so of several conversions at once one wins and the others see it converted;
   * the unique index on deals(lead_id) holds the same rule in the database.
   */
  async convert(principal: Principal, id: string, dto: ConvertLeadDto): Promise<DealView> {
    try {
      return await this.tenancy.em.transactional(async (em) => {
        const lead = await this.open(em, principal, id);
        assertTransition(lead.status, 'converted');
        const { values, rules } = await this.values.apply(em, 'deal', {}, dto.customFields, true);
        lead.status = 'converted';
        const deal = em.create(Deal, {
          title: dto.title ?? lead.company ?? lead.name,
          amount: normalizeAmount(dto.amount),
          currency: dto.currency,
          customFields: values,
          leadId: lead.id,
          ownerId: lead.ownerId,
        });
        await em.flush();
        return toDealView(deal, rules);
      });
    } catch (error) {
      const taken = this.values.uniqueProblem('deal', error);
      if (taken) throw taken;
      if (error instanceof UniqueConstraintViolationException) throw CrmErrors.leadConverted();
      throw error;
    }
  }

  /**
   * Deletes the lead and, in the same flush, unlinks its deal (leadId → null) so the deal's change
   * is audited like any other; the foreign key's ON DELETE SET NULL stays only as a safety net.
   */
  async remove(principal: Principal, id: string, precondition?: Precondition): Promise<void> {
    await this.tenancy.em.transactional(async (em) => {
      const lead = await findVisible(em, Lead, principal, id, 'lead', true);
      precondition?.assertMatches(toLeadView(lead, await this.values.rules('lead')));
      for (const deal of await em.getRepository(Deal).linkedTo(lead.id)) deal.leadId = null;
      em.remove(lead);
      await em.flush();
    });
  }

  /**
   * A visible lead, locked, that may still change (a converted lead is final) and is still the
   * version the caller read (`If-Match`, checked before the lead's own rules, as RFC 9110 orders them).
   */
  private async open(em: EntityManager, principal: Principal, id: string, precondition?: Precondition): Promise<Lead> {
    const lead = await findVisible(em, Lead, principal, id, 'lead', true);
    precondition?.assertMatches(toLeadView(lead, await this.values.rules('lead')));
    if (lead.status === 'converted') throw CrmErrors.leadConverted();
    return lead;
  }

  /** A unique custom field refusing the value → 409 naming it. */
  private async flush(em: EntityManager): Promise<void> {
    try {
      await em.flush();
    } catch (error) {
      throw this.values.uniqueProblem('lead', error) ?? error;
    }
  }
}
