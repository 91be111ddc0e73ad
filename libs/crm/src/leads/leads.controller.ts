import { Access, CurrentUser, MANAGERS, TENANT_USERS, type Principal } from '@app/auth';
import {
  ApiAnswer,
  ApiNoContent,
  ApiPage,
  ApiProblems,
  IfMatch,
  Located,
  Page,
  PathId,
  type Precondition,
  Versioned,
} from '@app/common';
import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { CustomListParamsInterceptor, CustomListQuery } from '../custom-fields/custom-field-query';
import type { CustomListParams } from '../custom-fields/custom-field-filters';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { AssignOwnerDto } from '../assign-owner.dto';
import { DealView } from '../deals/deal.entity';
import { ConvertLeadDto } from './dto/convert-lead.dto';
import { CreateLeadDto } from './dto/create-lead.dto';
import { ListLeadsQuery } from './dto/list-leads.query';
import { UpdateLeadDto } from './dto/update-lead.dto';
import { LeadView } from './lead.entity';
import { LeadsService } from './leads.service';

@ApiTags('leads')
@Controller('leads')
export class LeadsController {
  constructor(private readonly leads: LeadsService) {}

  @ApiOperation({ operationId: 'createLead', summary: 'Create a lead' })
  @ApiAnswer(201, LeadView, { located: true })
  @Access({ roles: TENANT_USERS, apiKeyScope: 'leads:write' })
  @Versioned()
  @Post()
  @Located((lead: LeadView) => `/leads/${lead.id}`)
  create(@CurrentUser() user: Principal, @Body() dto: CreateLeadDto): Promise<LeadView> {
    return this.leads.create(user, dto);
  }

  @ApiOperation({
    operationId: 'listLeads',
    summary: 'List leads (filters, search, pages)',
    description:
      'Custom fields (indexed ones only): `cf.<key>=v` (multiselect: contains v), `cf.<key>[gte|lte|gt|lt]=v` (number, money, date), `sort=[-]cf.<key>`; GET /openapi.json lists them per tenant.',
  })
  @ApiPage(LeadView)
  @Access({ roles: TENANT_USERS, apiKeyScope: 'leads:read' })
  @UseInterceptors(CustomListParamsInterceptor)
  @Get()
  list(
    @CurrentUser() user: Principal,
    @Query() query: ListLeadsQuery,
    @CustomListQuery() custom: CustomListParams,
  ): Promise<Page<LeadView>> {
    return this.leads.list(user, query, custom);
  }

  @ApiOperation({ operationId: 'getLead', summary: 'Get a lead' })
  @ApiAnswer(200, LeadView)
  @Access({ roles: TENANT_USERS, apiKeyScope: 'leads:read' })
  @Versioned()
  @Get(':id')
  get(@CurrentUser() user: Principal, @PathId() id: string): Promise<LeadView> {
    return this.leads.get(user, id);
  }

  @ApiOperation({ operationId: 'updateLead', summary: 'Change a lead' })
  @ApiAnswer(200, LeadView)
  @ApiProblems({ 409: 'The status cannot go there, or the lead is converted (final)' })
  @Access({ roles: TENANT_USERS, apiKeyScope: 'leads:write' })
  @Versioned()
  @Patch(':id')
  update(
    @CurrentUser() user: Principal,
    @PathId() id: string,
    @Body() dto: UpdateLeadDto,
    @IfMatch() precondition: Precondition | undefined,
  ): Promise<LeadView> {
    return this.leads.update(user, id, dto, precondition);
  }

  @ApiOperation({ operationId: 'assignLead', summary: 'Assign a lead to a user' })
  @ApiAnswer(200, LeadView)
  @ApiProblems({ 409: 'The lead is converted (final)' })
  @Access({ roles: MANAGERS, apiKeyScope: 'leads:write' })
  @Versioned()
  @Post(':id/assign')
  @HttpCode(200)
  assign(@CurrentUser() user: Principal, @PathId() id: string, @Body() dto: AssignOwnerDto): Promise<LeadView> {
    return this.leads.assign(user, id, dto);
  }

  @ApiOperation({ operationId: 'convertLead', summary: 'Convert a lead into a deal' })
  @ApiAnswer(201, DealView, { located: true, description: 'The deal made from the lead' })
  @ApiProblems({ 409: 'The lead is converted already, or its status cannot convert' })
  @Access({ roles: TENANT_USERS, apiKeyScope: 'leads:write' })
  @Versioned()
  @Post(':id/convert')
  @Located((deal: DealView) => `/deals/${deal.id}`)
  convert(@CurrentUser() user: Principal, @PathId() id: string, @Body() dto: ConvertLeadDto): Promise<DealView> {
    return this.leads.convert(user, id, dto);
  }

  @ApiOperation({ operationId: 'deleteLead', summary: 'Delete a lead' })
  @ApiNoContent()
  @ApiProblems({ 409: 'The lead is converted: its deal refers to it' })
  @Access({ roles: MANAGERS, apiKeyScope: 'leads:write' })
  @Versioned()
  @Delete(':id')
  @HttpCode(204)
  remove(
    @CurrentUser() user: Principal,
    @PathId() id: string,
    @IfMatch() precondition: Precondition | undefined,
  ): Promise<void> {
    return this.leads.remove(user, id, precondition);
  }
}
