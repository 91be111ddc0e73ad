import { Access, SUPER_ADMINS } from '@app/auth';
import { Located, Page, Versioned } from '@app/common';
import { isTenantSlug, TenancyErrors, WithoutTenant } from '@app/tenancy';
import { Body, Controller, Delete, Get, HttpCode, Param, PipeTransform, Post, Query, Req } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { ListTenantsQuery } from './dto/list-tenants.query';
import { PlatformTenantsService } from './platform-tenants.service';
import { TenantView } from './tenant.view';

class SlugPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isTenantSlug(value)) throw TenancyErrors.badSlug();
    return value;
  }
}

@ApiTags('platform')
@WithoutTenant()
@Access({ roles: SUPER_ADMINS })
@Controller('platform/tenants')
export class PlatformTenantsController {
  constructor(private readonly tenants: PlatformTenantsService) {}

  @ApiOperation({ operationId: 'createTenant', summary: 'Onboard a tenant (provisioning runs in the background)' })
  @Post()
  @HttpCode(202)
  @Located((tenant: TenantView) => `/platform/tenants/${tenant.slug}`)
  create(@Body() dto: CreateTenantDto, @Req() request: FastifyRequest): Promise<TenantView> {
    return this.tenants.create(dto, String(request.id));
  }

  @ApiOperation({ operationId: 'listTenants', summary: 'List tenants' })
  @Get()
  list(@Query() query: ListTenantsQuery): Promise<Page<TenantView>> {
    return this.tenants.list(query);
  }

  @ApiOperation({ operationId: 'getTenant', summary: 'Get a tenant with its onboarding steps' })
  @Versioned()
  @Get(':slug')
  get(@Param('slug', SlugPipe) slug: string): Promise<TenantView> {
    return this.tenants.get(slug);
  }

  @ApiOperation({ operationId: 'suspendTenant', summary: "Suspend a tenant's traffic" })
  @Versioned()
  @Post(':slug/suspend')
  @HttpCode(200)
  suspend(@Param('slug', SlugPipe) slug: string): Promise<TenantView> {
    return this.tenants.suspend(slug);
  }

  @ApiOperation({ operationId: 'resumeTenant', summary: "Resume a tenant's traffic" })
  @Versioned()
  @Post(':slug/resume')
  @HttpCode(200)
  resume(@Param('slug', SlugPipe) slug: string): Promise<TenantView> {
    return this.tenants.resume(slug);
  }

  /** A failed onboarding goes back to the queue (202: provisioning again). */
  @ApiOperation({ operationId: 'retryTenant', summary: 'Retry a failed onboarding' })
  @Post(':slug/retry')
  @HttpCode(202)
  retry(@Param('slug', SlugPipe) slug: string, @Req() request: FastifyRequest): Promise<TenantView> {
    return this.tenants.retry(slug, String(request.id));
  }

  /** Offboarding: traffic refused at once; a job backs the database up (verified), then drops it and its role. */
  @ApiOperation({ operationId: 'offboardTenant', summary: 'Offboard a tenant: verified backup, then drop' })
  @Delete(':slug')
  @HttpCode(202)
  offboard(@Param('slug', SlugPipe) slug: string, @Req() request: FastifyRequest): Promise<TenantView> {
    return this.tenants.offboard(slug, String(request.id));
  }
}
