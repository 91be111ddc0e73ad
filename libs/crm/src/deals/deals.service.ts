import type { Principal } from '@app/auth';
import { Page, pageOf, parseSort, type Precondition, ValidationException } from '@app/common';
import { TenantContext } from '@app/tenancy';
import {
  type EntityManager,
  ForeignKeyConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AssignOwnerDto } from '../assign-owner.dto';
import { CrmErrors } from '../crm.exception';
import { Lead } from '../leads/lead.entity';
import { normalizeAmount } from '../money';
import { assertActiveUser, findVisible, ownerScope } from '../record-access';
import { customListTerms, type CustomListParams } from '../custom-fields/custom-field-filters';
import { CustomFieldValues } from '../custom-fields/custom-field-values';
import { applyStage, Deal, DealView, toDealView } from './deal.entity';
import { DealRepository } from './deal.repository';
import { CreateDealDto } from './dto/create-deal.dto';
import { ListDealsQuery } from './dto/list-deals.query';
import { UpdateDealDto } from './dto/update-deal.dto';

@Injectable()
export class DealsService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly values: CustomFieldValues,
  ) {}

  private get deals(): DealRepository {
    return this.tenancy.em.getRepository(Deal);
  }

  /** Custom values are checked against the definitions confirmed in the creating transaction. */
  async create(principal: Principal, dto: CreateDealDto): Promise<DealView> {
    return this.tenancy.em.transactional(async (em) => {
      if (dto.leadId) await this.assertLinkable(em, principal, dto.leadId);
      const { values, rules } = await this.values.apply(em, 'deal', {}, dto.customFields, true);
      const deal = em.getRepository(Deal).create({
        title: dto.title,
        amount: normalizeAmount(dto.amount),
        currency: dto.currency,
        leadId: dto.leadId ?? null,
        expectedCloseDate: dto.expectedCloseDate ?? null,
        customFields: values,
        ownerId: principal.sub,
      });
      applyStage(deal, dto.stage ?? 'prospecting');
      await this.flushLinked(em);
      return toDealView(deal, rules);
    });
  }

  async list(principal: Principal, query: ListDealsQuery, params?: CustomListParams): Promise<Page<DealView>> {
    const rules = await this.values.rules('deal');
    const custom = customListTerms(rules, params ?? { filters: {} });
    const found = await this.tenancy.rootEm.getRepository(Deal).search({
      ownerScope: ownerScope(principal),
      stage: query.stage,
      ownerId: query.ownerId,
      leadId: query.leadId,
      currency: query.currency,
      q: query.q,
      custom: custom.conditions,
      updatedSince: query.updatedSince ? new Date(query.updatedSince) : undefined,
      sort: custom.sort ?? parseSort(query.sort, { field: 'createdAt', direction: 'desc' }),
      page: query.page,
      limit: query.limit,
    });
    return pageOf(query, found, (view) => ({ ...view, customFields: this.values.answer(rules, view.customFields) }));
  }

  async get(principal: Principal, id: string): Promise<DealView> {
    const rules = await this.values.rules('deal');
    return toDealView(await findVisible(this.tenancy.em, Deal, principal, id, 'deal'), rules);
  }

  /** Changes the deal under its row lock: of writers holding the same ETag (`If-Match`) the first wins, the rest get 412. */
  async update(principal: Principal, id: string, dto: UpdateDealDto, precondition?: Precondition): Promise<DealView> {
    return this.tenancy.em.transactional(async (em) => {
      const deal = await this.lockCurrent(em, principal, id, precondition);
      if (dto.leadId && dto.leadId !== deal.leadId) await this.assertLinkable(em, principal, dto.leadId);
      if (dto.title !== undefined) deal.title = dto.title;
      if (dto.amount !== undefined) deal.amount = normalizeAmount(dto.amount);
      if (dto.currency !== undefined) deal.currency = dto.currency;
      if (dto.leadId !== undefined) deal.leadId = dto.leadId;
      if (dto.expectedCloseDate !== undefined) deal.expectedCloseDate = dto.expectedCloseDate;
      if (dto.stage !== undefined && dto.stage !== deal.stage) applyStage(deal, dto.stage);
      let rules = await this.values.rules('deal');
      if (dto.customFields !== undefined) {
        const applied = await this.values.apply(em, 'deal', deal.customFields, dto.customFields, false);
        deal.customFields = applied.values;
        rules = applied.rules;
      }
      await this.flushLinked(em);
      return toDealView(deal, rules);
    });
  }

  async assign(principal: Principal, id: string, dto: AssignOwnerDto): Promise<DealView> {
    const deal = await findVisible(this.tenancy.em, Deal, principal, id, 'deal');
    await assertActiveUser(this.tenancy.em, dto.ownerId);
    deal.ownerId = dto.ownerId;
    await this.tenancy.em.flush();
    return toDealView(deal, await this.values.rules('deal'));
  }

  async remove(principal: Principal, id: string, precondition?: Precondition): Promise<void> {
    await this.tenancy.em.transactional(async (em) => {
      const deal = await this.lockCurrent(em, principal, id, precondition);
      await em.remove(deal).flush();
    });
  }

  /** A visible deal, locked until the transaction ends, and still the version the caller read (`If-Match`). */
  private async lockCurrent(
    em: EntityManager,
    principal: Principal,
    id: string,
    precondition?: Precondition,
  ): Promise<Deal> {
    const deal = await findVisible(em, Deal, principal, id, 'deal', true);
    precondition?.assertMatches(toDealView(deal, await this.values.rules('deal')));
    return deal;
  }

  /** A lead has at most one deal (unique index on deals.lead_id); a lead deleted meanwhile is a bad leadId. */
  private async flushLinked(em: EntityManager): Promise<void> {
    try {
      await em.flush();
    } catch (error) {
      const taken = this.values.uniqueProblem('deal', error);
      if (taken) throw taken;
      if (error instanceof UniqueConstraintViolationException) throw CrmErrors.leadHasDeal();
      if (error instanceof ForeignKeyConstraintViolationException)
        throw new ValidationException([{ field: 'leadId', message: 'leadId must be a lead you can see' }]);
      throw error;
    }
  }

  /** A deal may only point at a lead the caller can see. */
  private async assertLinkable(em: EntityManager, principal: Principal, leadId: string): Promise<void> {
    const scope = ownerScope(principal);
    if (!(await em.count(Lead, scope ? { id: leadId, ownerId: scope } : { id: leadId }))) {
      throw new ValidationException([{ field: 'leadId', message: 'leadId must be a lead you can see' }]);
    }
  }
}
