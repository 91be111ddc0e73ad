import type { Principal } from '@app/auth';
import { Page, pageOf, parseSort, ValidationException } from '@app/common';
import { TenantContext } from '@app/tenancy';
import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AssignOwnerDto } from '../assign-owner.dto';
import { CrmErrors } from '../crm.exception';
import { Lead } from '../leads/lead.entity';
import { normalizeAmount } from '../money';
import { assertActiveUser, findVisible, ownerScope } from '../record-access';
import { applyStage, Deal, DealView, toDealView } from './deal.entity';
import { DealRepository } from './deal.repository';
import { CreateDealDto } from './dto/create-deal.dto';
import { ListDealsQuery } from './dto/list-deals.query';
import { UpdateDealDto } from './dto/update-deal.dto';

@Injectable()
export class DealsService {
  constructor(private readonly tenancy: TenantContext) {}

  private get deals(): DealRepository {
    return this.tenancy.em.getRepository(Deal);
  }

  async create(principal: Principal, dto: CreateDealDto): Promise<DealView> {
    if (dto.leadId) await this.assertLinkable(principal, dto.leadId);
    const deal = this.deals.create({
      title: dto.title,
      amount: normalizeAmount(dto.amount),
      currency: dto.currency,
      leadId: dto.leadId ?? null,
      expectedCloseDate: dto.expectedCloseDate ?? null,
      ownerId: principal.sub,
    });
    applyStage(deal, dto.stage ?? 'prospecting');
    await this.flushLinked();
    return toDealView(deal);
  }

  async list(principal: Principal, query: ListDealsQuery): Promise<Page<DealView>> {
    const found = await this.deals.search({
      ownerScope: ownerScope(principal),
      stage: query.stage,
      ownerId: query.ownerId,
      leadId: query.leadId,
      currency: query.currency,
      q: query.q,
      sort: parseSort(query.sort, { field: 'createdAt', direction: 'desc' }),
      page: query.page,
      limit: query.limit,
    });
    return pageOf(query, found, toDealView);
  }

  async get(principal: Principal, id: string): Promise<DealView> {
    return toDealView(await findVisible(this.tenancy.em, Deal, principal, id, 'deal'));
  }

  async update(principal: Principal, id: string, dto: UpdateDealDto): Promise<DealView> {
    const deal = await findVisible(this.tenancy.em, Deal, principal, id, 'deal');
    if (dto.leadId && dto.leadId !== deal.leadId) await this.assertLinkable(principal, dto.leadId);
    if (dto.title !== undefined) deal.title = dto.title;
    if (dto.amount !== undefined) deal.amount = normalizeAmount(dto.amount);
    if (dto.currency !== undefined) deal.currency = dto.currency;
    if (dto.leadId !== undefined) deal.leadId = dto.leadId;
    if (dto.expectedCloseDate !== undefined) deal.expectedCloseDate = dto.expectedCloseDate;
    if (dto.stage !== undefined && dto.stage !== deal.stage) applyStage(deal, dto.stage);
    await this.flushLinked();
    return toDealView(deal);
  }

  async assign(principal: Principal, id: string, dto: AssignOwnerDto): Promise<DealView> {
    const deal = await findVisible(this.tenancy.em, Deal, principal, id, 'deal');
    await assertActiveUser(this.tenancy.em, dto.ownerId);
    deal.ownerId = dto.ownerId;
    await this.tenancy.em.flush();
    return toDealView(deal);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const deal = await findVisible(this.tenancy.em, Deal, principal, id, 'deal');
    await this.tenancy.em.remove(deal).flush();
  }

  /** A lead has at most one deal (unique index on deals.lead_id); a lead deleted meanwhile is a bad leadId. */
  private async flushLinked(): Promise<void> {
    try {
      await this.tenancy.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw CrmErrors.leadHasDeal();
      if (error instanceof ForeignKeyConstraintViolationException)
        throw new ValidationException([{ field: 'leadId', message: 'leadId must be a lead you can see' }]);
      throw error;
    }
  }

  /** A deal may only point at a lead the caller can see. */
  private async assertLinkable(principal: Principal, leadId: string): Promise<void> {
    const scope = ownerScope(principal);
    if (!(await this.tenancy.em.count(Lead, scope ? { id: leadId, ownerId: scope } : { id: leadId }))) {
      throw new ValidationException([{ field: 'leadId', message: 'leadId must be a lead you can see' }]);
    }
  }
}
