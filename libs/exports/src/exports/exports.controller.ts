import { Access, NotInSupportSession, Client, COMPANY_ADMINS, CurrentUser, type Principal } from '@app/auth';
import { ApiAnswer, ApiProblems, Located, PathId } from '@app/common';
import { PlanFeatureRoute } from '@app/tenancy';
import { Body, Controller, Get, HttpCode, Post, Req, StreamableFile } from '@nestjs/common';
import { zipAnswer } from '../export-files';
import { ApiBody, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { ClientDetails } from '../tenant-job';
import { NO_OPTIONS_SCHEMA, NoOptionsPipe } from '../no-options.pipe';
import { ExportView } from './export.view';
import { ExportsService } from './exports.service';

@ApiTags('exports')
@Access({ roles: COMPANY_ADMINS })
@PlanFeatureRoute('exports')
@Controller('exports')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @ApiOperation({ operationId: 'createExport', summary: "Export the tenant's database (a job writes the zip)" })
  @ApiAnswer(202, ExportView, { located: true, description: 'Accepted: the export runs in the background' })
  @ApiBody({ schema: NO_OPTIONS_SCHEMA, required: false, description: 'No options: absent or `{}`' })
  @NotInSupportSession()
  @Post()
  @HttpCode(202)
  @Located((created: ExportView) => `/exports/${created.id}`)
  create(
    @CurrentUser() user: Principal,
    @Body(NoOptionsPipe) _options: Record<string, never>,
    @Req() request: FastifyRequest,
  ): Promise<ExportView> {
    return this.exports.request(user, String(request.id));
  }

  @ApiOperation({ operationId: 'getExport', summary: 'Get an export: its status and manifest' })
  @ApiAnswer(200, ExportView)
  @Get(':id')
  get(@PathId() id: string): Promise<ExportView> {
    return this.exports.get(id);
  }

  @ApiOperation({ operationId: 'downloadExport', summary: 'Download an export: a zip of NDJSON files (audited)' })
  @ApiProduces('application/zip')
  @ApiResponse({
    status: 200,
    description: 'The zip: one `<table>.ndjson` per table and `manifest.json`',
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems({ 409: 'The export is not ready (pending, running or failed)' })
  @NotInSupportSession()
  @Get(':id/download')
  async download(
    @CurrentUser() user: Principal,
    @Client() client: ClientDetails,
    @PathId() id: string,
  ): Promise<StreamableFile> {
    const file = await this.exports.download(user, client, id);
    return zipAnswer(file);
  }
}
