import { Access, CurrentUser, MANAGERS, type Principal, SUPER_ADMINS } from '@app/auth';
import {
  ApiAnswer,
  ApiPage,
  ApiProblems,
  IfMatch,
  Located,
  type Page,
  PageQueryDto,
  type Precondition,
  Versioned,
} from '@app/common';
import { PathSlug, WithoutTenant } from '@app/tenancy';
import { Body, Controller, Get, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantEntry } from '../tenants/tenant-entry';
import { TenantView, toTenantView } from '../tenants/tenant.view';
import { CreatePlanDto, SetTenantPlanDto, UpdatePlanDto } from './dto/plan.dto';
import { PathPlanCode } from './plan-code.param';
import { PlanVersionView, PlanView, UsageView } from './plan.view';
import { PlansService } from './plans.service';

@ApiTags('platform')
@WithoutTenant()
@Access({ roles: SUPER_ADMINS })
@Controller('platform/plans')
export class PlatformPlansController {
  constructor(private readonly plans: PlansService) {}

  @ApiOperation({ operationId: 'listPlans', summary: 'List plans' })
  @ApiPage(PlanView)
  @Get()
  list(@Query() query: PageQueryDto): Promise<Page<PlanView>> {
    return this.plans.list(query);
  }

  @ApiOperation({ operationId: 'createPlan', summary: 'Create a plan: limits (left out: unlimited) and features' })
  @ApiAnswer(201, PlanView, { located: true })
  @ApiProblems({ 409: 'A plan with this code exists' })
  @Post()
  @Located((plan: PlanView) => `/platform/plans/${plan.code}`)
  create(@Body() dto: CreatePlanDto, @CurrentUser() user: Principal): Promise<PlanView> {
    return this.plans.create(dto, user.sub);
  }

  @ApiOperation({ operationId: 'getPlan', summary: 'Get a plan' })
  @ApiAnswer(200, PlanView)
  @Versioned()
  @Get(':code')
  get(@PathPlanCode() code: string): Promise<PlanView> {
    return this.plans.get(code);
  }

  @ApiOperation({
    operationId: 'updatePlan',
    summary: "Change a plan's name, limits (null: unlimited) or features; every instance applies it within 5 s",
  })
  @ApiAnswer(200, PlanView)
  @Versioned()
  @Patch(':code')
  update(
    @PathPlanCode() code: string,
    @Body() dto: UpdatePlanDto,
    @CurrentUser() user: Principal,
    @IfMatch() precondition: Precondition | undefined,
  ): Promise<PlanView> {
    return this.plans.update(code, dto, user.sub, precondition);
  }

  @ApiOperation({
    operationId: 'listPlanVersions',
    summary: "A plan's versions, newest first (never changed once written)",
  })
  @ApiPage(PlanVersionView)
  @Get(':code/versions')
  versions(@PathPlanCode() code: string, @Query() query: PageQueryDto): Promise<Page<PlanVersionView>> {
    return this.plans.versions(code, query);
  }
}

@ApiTags('platform')
@WithoutTenant()
@Access({ roles: SUPER_ADMINS })
@Controller('platform/tenants')
export class PlatformTenantPlanController {
  constructor(
    private readonly plans: PlansService,
    private readonly tenants: TenantEntry,
  ) {}

  @ApiOperation({
    operationId: 'setTenantPlan',
    summary: 'Move a tenant to another plan; every instance enforces it at once',
  })
  @ApiAnswer(200, TenantView)
  @Put(':slug/plan')
  async setPlan(@PathSlug() slug: string, @Body() dto: SetTenantPlanDto): Promise<TenantView> {
    return toTenantView(await this.plans.setTenantPlan(slug, dto.plan));
  }

  @ApiOperation({
    operationId: 'getTenantUsage',
    summary: "A tenant's plan: limits, records in use, features (what its GET /usage answers)",
  })
  @ApiAnswer(200, UsageView)
  @ApiProblems({ 409: 'The tenant is not active' })
  @Get(':slug/usage')
  usage(@PathSlug() slug: string): Promise<UsageView> {
    return this.tenants.run(slug, () => this.plans.usage());
  }
}

@ApiTags('usage')
@Access({ roles: MANAGERS })
@Controller('usage')
export class UsageController {
  constructor(private readonly plans: PlansService) {}

  @ApiOperation({ operationId: 'getUsage', summary: "The tenant's plan: limits, records in use, features" })
  @ApiAnswer(200, UsageView)
  @Get()
  usage(): Promise<UsageView> {
    return this.plans.usage();
  }
}
