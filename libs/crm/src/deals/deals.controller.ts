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
import { DealView } from './deal.entity';
import { DealsService } from './deals.service';
import { CreateDealDto } from './dto/create-deal.dto';
import { ListDealsQuery } from './dto/list-deals.query';
import { UpdateDealDto } from './dto/update-deal.dto';

@ApiTags('deals')
@Controller('deals')
export class DealsController {
  constructor(private readonly deals: DealsService) {}

  @ApiOperation({ operationId: 'createDeal', summary: 'Create a deal' })
  @ApiAnswer(201, DealView, { located: true })
  @ApiProblems({ 409: 'The lead has a deal already' })
  @Access({ roles: TENANT_USERS, apiKeyScope: 'deals:write' })
  @Versioned()
  @Post()
  @Located((deal: DealView) => `/deals/${deal.id}`)
  create(@CurrentUser() user: Principal, @Body() dto: CreateDealDto): Promise<DealView> {
    return this.deals.create(user, dto);
  }

  @ApiOperation({
    operationId: 'listDeals',
    summary: 'List deals (filters, pages)',
    description:
      'Custom fields (indexed ones only): `cf.<key>=v` (multiselect: contains v), `cf.<key>[gte|lte|gt|lt]=v` (number, money, date), `sort=[-]cf.<key>`; GET /openapi.json lists them per tenant.',
  })
  @ApiPage(DealView)
  @Access({ roles: TENANT_USERS, apiKeyScope: 'deals:read' })
  @UseInterceptors(CustomListParamsInterceptor)
  @Get()
  list(
    @CurrentUser() user: Principal,
    @Query() query: ListDealsQuery,
    @CustomListQuery() custom: CustomListParams,
  ): Promise<Page<DealView>> {
    return this.deals.list(user, query, custom);
  }

  @ApiOperation({ operationId: 'getDeal', summary: 'Get a deal' })
  @ApiAnswer(200, DealView)
  @Access({ roles: TENANT_USERS, apiKeyScope: 'deals:read' })
  @Versioned()
  @Get(':id')
  get(@CurrentUser() user: Principal, @PathId() id: string): Promise<DealView> {
    return this.deals.get(user, id);
  }

  @ApiOperation({ operationId: 'updateDeal', summary: 'Change a deal' })
  @ApiAnswer(200, DealView)
  @Access({ roles: TENANT_USERS, apiKeyScope: 'deals:write' })
  @Versioned()
  @Patch(':id')
  update(
    @CurrentUser() user: Principal,
    @PathId() id: string,
    @Body() dto: UpdateDealDto,
    @IfMatch() precondition: Precondition | undefined,
  ): Promise<DealView> {
    return this.deals.update(user, id, dto, precondition);
  }

  @ApiOperation({ operationId: 'assignDeal', summary: 'Assign a deal to a user' })
  @ApiAnswer(200, DealView)
  @Access({ roles: MANAGERS, apiKeyScope: 'deals:write' })
  @Versioned()
  @Post(':id/assign')
  @HttpCode(200)
  assign(@CurrentUser() user: Principal, @PathId() id: string, @Body() dto: AssignOwnerDto): Promise<DealView> {
    return this.deals.assign(user, id, dto);
  }

  @ApiOperation({ operationId: 'deleteDeal', summary: 'Delete a deal' })
  @ApiNoContent()
  @Access({ roles: MANAGERS, apiKeyScope: 'deals:write' })
  @Versioned()
  @Delete(':id')
  @HttpCode(204)
  remove(
    @CurrentUser() user: Principal,
    @PathId() id: string,
    @IfMatch() precondition: Precondition | undefined,
  ): Promise<void> {
    return this.deals.remove(user, id, precondition);
  }
}
