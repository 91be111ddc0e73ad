import { Roles } from '@app/auth';
import { isTenantSlug, TenancyErrors, WithoutTenant } from '@app/tenancy';
import { Body, Controller, Get, HttpCode, Param, PipeTransform, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { PlatformTenantsService } from './platform-tenants.service';
import { TenantView } from './tenant.view';

class SlugPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isTenantSlug(value)) throw TenancyErrors.badSlug();
    return value;
  }
}

@ApiTags('platform')
@ApiBearerAuth()
@WithoutTenant()
@Roles('super_admin')
@Controller('platform/tenants')
export class PlatformTenantsController {
  constructor(private readonly tenants: PlatformTenantsService) {}

  @Post()
  @HttpCode(202)
  async create(@Body() dto: CreateTenantDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<TenantView> {
    const tenant = await this.tenants.create(dto);
    void reply.header('Location', `/api/v1/platform/tenants/${tenant.slug}`);
    return tenant;
  }

  @Get()
  list(): Promise<{ data: TenantView[] }> {
    return this.tenants.list();
  }

  @Get(':slug')
  get(@Param('slug', SlugPipe) slug: string): Promise<TenantView> {
    return this.tenants.get(slug);
  }
}
