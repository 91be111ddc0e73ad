import { type Principal, User } from '@app/auth';
import { ConflictException, HiddenRecordException, NotFoundException, Page, parseSort, ValidationException } from '@app/common';
import { TenantContext } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { AssignLeadDto } from './dto/assign-lead.dto';
import { CreateLeadDto } from './dto/create-lead.dto';
import { LEAD_SORT_FIELDS, ListLeadsQuery } from './dto/list-leads.query';
import { UpdateLeadDto } from './dto/update-lead.dto';
import { Lead, LeadView, toLeadView } from './lead.entity';
import { LeadRepository } from './lead.repository';

/** Staff see and change only the leads they own; managers and company admins see all. */
function ownerScope(principal: Principal): string | undefined {
  return principal.role === 'staff' ? principal.sub : undefined;
}

@Injectable()
export class LeadsService {
  constructor(private readonly tenancy: TenantContext) {}

  private get leads(): LeadRepository {
    return this.tenancy.em.getRepository(Lead);
  }

  async create(principal: Principal, dto: CreateLeadDto): Promise<LeadView> {
    const lead = this.leads.create({ ...dto, ownerId: principal.sub });
    await this.tenancy.em.flush();
    return toLeadView(lead);
  }

  async list(principal: Principal, query: ListLeadsQuery): Promise<Page<LeadView>> {
    const sort = parseSort(query.sort, LEAD_SORT_FIELDS, { field: 'createdAt', direction: 'desc' });
    if (!sort) throw new ValidationException([{ field: 'sort', message: `sort must be one of ${LEAD_SORT_FIELDS.join(', ')} (prefix - for descending)` }]);
    const [rows, total] = await this.leads.search({
      ownerScope: ownerScope(principal),
      status: query.status,
      ownerId: query.ownerId,
      q: query.q,
      sort,
      page: query.page,
      limit: query.limit,
    });
    return { data: rows.map(toLeadView), meta: { page: query.page, limit: query.limit, total } };
  }

  async get(principal: Principal, id: string): Promise<LeadView> {
    return toLeadView(await this.visible(principal, id));
  }

  async update(principal: Principal, id: string, dto: UpdateLeadDto): Promise<LeadView> {
    const lead = await this.visible(principal, id);
    if (lead.status === 'converted') throw new ConflictException('A converted lead is final.', 'lead-converted');
    this.leads.assign(lead, dto);
    await this.tenancy.em.flush();
    return toLeadView(lead);
  }

  /** Gives the lead to another active user of the tenant (managers and company admins). */
  async assign(principal: Principal, id: string, dto: AssignLeadDto): Promise<LeadView> {
    const lead = await this.visible(principal, id);
    if (lead.status === 'converted') throw new ConflictException('A converted lead is final.', 'lead-converted');
    const owner = await this.tenancy.em.count(User, { id: dto.ownerId, active: true });
    if (!owner) throw new ValidationException([{ field: 'ownerId', message: 'ownerId must be an active user of this tenant' }]);
    lead.ownerId = dto.ownerId;
    await this.tenancy.em.flush();
    return toLeadView(lead);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const lead = await this.visible(principal, id);
    await this.tenancy.em.remove(lead).flush();
  }

  private async visible(principal: Principal, id: string): Promise<Lead> {
    const scope = ownerScope(principal);
    const lead = await this.leads.findVisible(id, scope);
    if (lead) return lead;
    // Same answer either way; only the audit trail learns that the record exists.
    if (scope && (await this.leads.count({ id }))) throw new HiddenRecordException('No such lead.');
    throw new NotFoundException('No such lead.');
  }
}
