import { Access, SUPER_ADMINS } from '@app/auth';
import {
  ApiAnswer,
  ApiPage,
  ApiProblems,
  Located,
  Page,
  PageQueryDto,
  pageOf,
  pageWindow,
  PathId,
  Versioned,
} from '@app/common';
import { TenantRelocator } from '@app/fleet';
import { PathSlug, WithoutTenant } from '@app/tenancy';
import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { ListTenantsQuery } from './dto/list-tenants.query';
import { StartRelocationDto } from './dto/start-relocation.dto';
import { PlatformTenantsService } from './platform-tenants.service';
import { RelocationView, toRelocationView } from './relocation.view';
import { TenantView } from './tenant.view';

@ApiTags('platform')
@WithoutTenant()
@Access({ roles: SUPER_ADMINS })
@Controller('platform/tenants')
export class PlatformTenantsController {
  constructor(
    private readonly tenants: PlatformTenantsService,
    private readonly relocator: TenantRelocator,
  ) {}

  @ApiOperation({ operationId: 'createTenant', summary: 'Onboard a tenant (provisioning runs in the background)' })
  @ApiAnswer(202, TenantView, { located: true, description: 'Accepted: provisioning runs in the background' })
  @ApiProblems({ 409: 'The slug is taken', 503: 'No database server has room, or the catalog is unavailable' })
  @Post()
  @HttpCode(202)
  @Located((tenant: TenantView) => `/platform/tenants/${tenant.slug}`)
  create(@Body() dto: CreateTenantDto, @Req() request: FastifyRequest): Promise<TenantView> {
    return this.tenants.create(dto, String(request.id));
  }

  @ApiOperation({ operationId: 'listTenants', summary: 'List tenants' })
  @ApiPage(TenantView)
  @Get()
  list(@Query() query: ListTenantsQuery): Promise<Page<TenantView>> {
    return this.tenants.list(query);
  }

  @ApiOperation({ operationId: 'getTenant', summary: 'Get a tenant with its onboarding steps' })
  @ApiAnswer(200, TenantView)
  @Versioned()
  @Get(':slug')
  get(@PathSlug() slug: string): Promise<TenantView> {
    return this.tenants.get(slug);
  }

  @ApiOperation({ operationId: 'suspendTenant', summary: "Suspend a tenant's traffic" })
  @ApiAnswer(200, TenantView)
  @ApiProblems({ 409: 'The tenant is not active' })
  @Versioned()
  @Post(':slug/suspend')
  @HttpCode(200)
  suspend(@PathSlug() slug: string): Promise<TenantView> {
    return this.tenants.suspend(slug);
  }

  @ApiOperation({ operationId: 'resumeTenant', summary: "Resume a tenant's traffic" })
  @ApiAnswer(200, TenantView)
  @ApiProblems({ 409: 'The tenant is not suspended' })
  @Versioned()
  @Post(':slug/resume')
  @HttpCode(200)
  resume(@PathSlug() slug: string): Promise<TenantView> {
    return this.tenants.resume(slug);
  }

  /** A failed onboarding goes back to the queue (202: provisioning again). */
  @ApiOperation({ operationId: 'retryTenant', summary: 'Retry a failed onboarding' })
  @ApiAnswer(202, TenantView, { description: 'Accepted: provisioning again' })
  @ApiProblems({ 409: 'The tenant did not fail' })
  @Post(':slug/retry')
  @HttpCode(202)
  retry(@PathSlug() slug: string, @Req() request: FastifyRequest): Promise<TenantView> {
    return this.tenants.retry(slug, String(request.id));
  }

  /** Offboarding: traffic refused at once; a job backs the database up (verified), then drops it and its role. */
  @ApiOperation({ operationId: 'offboardTenant', summary: 'Offboard a tenant: verified backup, then drop' })
  @ApiAnswer(202, TenantView, { description: 'Accepted: backup, then drop, in the background' })
  @ApiProblems({ 409: 'The tenant is being offboarded already' })
  @Delete(':slug')
  @HttpCode(202)
  offboard(@PathSlug() slug: string, @Req() request: FastifyRequest): Promise<TenantView> {
    return this.tenants.offboard(slug, String(request.id));
  }

  @ApiOperation({
    operationId: 'relocateTenant',
    summary: "Move a live tenant's database to another server (copy, verify, cut over in the background)",
  })
  @ApiAnswer(202, RelocationView, { located: true, description: 'Accepted: the relocation runs in the background' })
  @ApiProblems({
    400: 'Unknown server, or the server the tenant is on',
    409: 'A relocation of this tenant is under way, the server is full, or the tenant is not active or suspended',
  })
  @Post(':slug/relocations')
  @HttpCode(202)
  @Located((relocation: RelocationView) => `/platform/tenants/${relocation.tenant}/relocations/${relocation.id}`)
  async relocate(@PathSlug() slug: string, @Body() dto: StartRelocationDto): Promise<RelocationView> {
    return toRelocationView(await this.relocator.start(slug, dto.targetServer));
  }

  @ApiOperation({ operationId: 'listRelocations', summary: "A tenant's relocations, newest first" })
  @ApiPage(RelocationView)
  @Get(':slug/relocations')
  async relocations(@PathSlug() slug: string, @Query() query: PageQueryDto): Promise<Page<RelocationView>> {
    return pageOf(query, await this.relocator.list(slug, pageWindow(query)), toRelocationView);
  }

  @ApiOperation({ operationId: 'getRelocation', summary: 'A relocation: phases, verification, write freeze' })
  @ApiAnswer(200, RelocationView)
  @Get(':slug/relocations/:id')
  async relocation(@PathSlug() slug: string, @PathId() id: string): Promise<RelocationView> {
    return toRelocationView(await this.relocator.get(slug, id));
  }

  @ApiOperation({
    operationId: 'abortRelocation',
    summary: 'Abort a relocation before its cut-over: the target is dropped',
  })
  @ApiAnswer(200, RelocationView)
  @ApiProblems({ 409: 'The relocation is cutting over or has ended' })
  @Post(':slug/relocations/:id/abort')
  @HttpCode(200)
  async abortRelocation(@PathSlug() slug: string, @PathId() id: string): Promise<RelocationView> {
    return toRelocationView(await this.relocator.abort(slug, id));
  }
}
