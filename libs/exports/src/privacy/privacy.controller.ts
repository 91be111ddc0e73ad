import { Access, NotInSupportSession, Client, COMPANY_ADMINS, CurrentUser, type Principal } from '@app/auth';
import { ApiAnswer, ApiProblems, Located, PathId } from '@app/common';
import { Body, Controller, Get, HttpCode, Post, Req, StreamableFile } from '@nestjs/common';
import { zipAnswer } from '../export-files';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { ClientDetails } from '../tenant-job';
import { CreatePrivacyRequestDto } from './dto/create-privacy-request.dto';
import { PrivacyRequestView } from './privacy-request.view';
import { PrivacyService } from './privacy.service';

@ApiTags('privacy')
@Access({ roles: COMPANY_ADMINS })
@Controller('privacy/requests')
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @ApiOperation({ operationId: 'createPrivacyRequest', summary: "Ask for a person's records (access) or erase them" })
  @ApiAnswer(202, PrivacyRequestView, { located: true, description: 'Accepted: the request runs in the background' })
  @NotInSupportSession()
  @Post()
  @HttpCode(202)
  @Located((created: PrivacyRequestView) => `/privacy/requests/${created.id}`)
  create(
    @CurrentUser() user: Principal,
    @Body() dto: CreatePrivacyRequestDto,
    @Req() request: FastifyRequest,
  ): Promise<PrivacyRequestView> {
    return this.privacy.request(user, dto, String(request.id));
  }

  @ApiOperation({ operationId: 'getPrivacyRequest', summary: 'Get a privacy request: its status and result' })
  @ApiAnswer(200, PrivacyRequestView)
  @Get(':id')
  get(@PathId() id: string): Promise<PrivacyRequestView> {
    return this.privacy.get(id);
  }

  @ApiOperation({
    operationId: 'downloadPrivacyAccess',
    summary: "Download an access request's zip: the person's records as NDJSON (audited)",
  })
  @ApiProduces('application/zip')
  @ApiResponse({
    status: 200,
    description: 'The zip: `leads.ndjson`, `deals.ndjson`, `audit_logs.ndjson` and `manifest.json`',
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems({ 409: 'Not an access request, or not done yet' })
  @NotInSupportSession()
  @Get(':id/download')
  async download(
    @CurrentUser() user: Principal,
    @Client() client: ClientDetails,
    @PathId() id: string,
  ): Promise<StreamableFile> {
    const file = await this.privacy.download(user, client, id);
    return zipAnswer(file);
  }
}
