import { Access, Client, CurrentUser, type Principal, SUPER_ADMINS } from '@app/auth';
import { ApiAnswer, ApiProblems, Located, NotFoundException, PathId } from '@app/common';
import { PathSlug, TenantDirectory, TenantOrmRegistry, WithoutTenant } from '@app/tenancy';
import { Body, Controller, Get, HttpCode, Post, Req, StreamableFile } from '@nestjs/common';
import { zipAnswer } from '../export-files';
import { ApiBody, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { NO_OPTIONS_SCHEMA, NoOptionsPipe } from '../no-options.pipe';
import type { ClientDetails } from '../tenant-job';
import { ExportView } from './export.view';
import { ExportsService } from './exports.service';

/**
 * Exports for the platform team: any active or suspended tenant, e.g. a suspended customer who
 * asks for their data on leaving (the tenant's own users are refused while it is suspended). The
 * same records and job as `/exports`; the download is audited in the tenant's trail under the
 * platform user, and in the platform trail.
 */
@ApiTags('platform')
@WithoutTenant()
@Access({ roles: SUPER_ADMINS })
@Controller('platform/tenants/:slug/exports')
export class PlatformExportsController {
  constructor(
    private readonly exports: ExportsService,
    private readonly directory: TenantDirectory,
    private readonly registry: TenantOrmRegistry,
  ) {}

  @ApiOperation({ operationId: 'createTenantExport', summary: "Export an active or suspended tenant's database" })
  @ApiAnswer(202, ExportView, { located: true, description: 'Accepted: the export runs in the background' })
  @ApiBody({ schema: NO_OPTIONS_SCHEMA, required: false, description: 'No options: absent or `{}`' })
  @Post()
  @HttpCode(202)
  @Located((created: ExportView, params) => `/platform/tenants/${params.slug}/exports/${created.id}`)
  create(
    @PathSlug() slug: string,
    @CurrentUser() user: Principal,
    @Body(NoOptionsPipe) _options: Record<string, never>,
    @Req() request: FastifyRequest,
  ): Promise<ExportView> {
    return this.inTenant(slug, () => this.exports.request(user, String(request.id)));
  }

  @ApiOperation({ operationId: 'getTenantExport', summary: "Get a tenant's export: its status and manifest" })
  @ApiAnswer(200, ExportView)
  @Get(':id')
  get(@PathSlug() slug: string, @PathId() id: string): Promise<ExportView> {
    return this.inTenant(slug, () => this.exports.get(id));
  }

  @ApiOperation({ operationId: 'downloadTenantExport', summary: "Download a tenant's export (audited)" })
  @ApiProduces('application/zip')
  @ApiResponse({
    status: 200,
    description: 'The zip: one `<table>.ndjson` per table and `manifest.json`',
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems({ 409: 'The export is not ready (pending, running or failed)' })
  @Get(':id/download')
  async download(
    @PathSlug() slug: string,
    @CurrentUser() user: Principal,
    @Client() client: ClientDetails,
    @PathId() id: string,
  ): Promise<StreamableFile> {
    const file = await this.inTenant(slug, () => this.exports.download(user, client, id));
    return zipAnswer(file);
  }

  /** Runs `work` in the tenant's context: active or suspended (404 otherwise, as for every platform route). */
  private async inTenant<T>(slug: string, work: () => Promise<T>): Promise<T> {
    const tenant = await this.directory.find(slug);
    if (!tenant || !['active', 'suspended'].includes(tenant.status)) throw new NotFoundException('No such tenant.');
    return this.registry.run(tenant, work);
  }
}
