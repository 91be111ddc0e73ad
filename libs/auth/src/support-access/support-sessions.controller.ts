import { ApiAnswer, ApiNoContent, ApiPage, ApiProblems, Page, PathId, Versioned } from '@app/common';
import { Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access.decorator';
import type { ClientInfo } from '../auth-audit';
import { Client, CurrentUser } from '../auth.decorators';
import { COMPANY_ADMINS, type Principal } from '../roles';
import { ListSupportSessionsQuery } from './dto/list-support-sessions.query';
import { NotInSupportSession } from './not-in-support-session.decorator';
import { SupportSessionView } from './support-session.view';
import { SupportSessionsService } from './support-sessions.service';

@ApiTags('support-access')
@Access({ roles: COMPANY_ADMINS })
@Controller('support-access/sessions')
export class SupportSessionsController {
  constructor(private readonly sessions: SupportSessionsService) {}

  @ApiOperation({
    operationId: 'listSupportSessions',
    summary: 'Support requests and sessions: who, for whom, why, when',
  })
  @ApiPage(SupportSessionView)
  @Get()
  list(@Query() query: ListSupportSessionsQuery): Promise<Page<SupportSessionView>> {
    return this.sessions.list(query);
  }

  @ApiOperation({ operationId: 'approveSupportSession', summary: 'Approve a support request (start within 15 min)' })
  @ApiAnswer(200, SupportSessionView)
  @ApiProblems({ 409: 'The request is not pending (approved, denied or ended already)' })
  @NotInSupportSession()
  @Versioned()
  @Post(':id/approve')
  @HttpCode(200)
  approve(
    @CurrentUser() admin: Principal,
    @PathId() id: string,
    @Client() client: ClientInfo,
  ): Promise<SupportSessionView> {
    return this.sessions.approve(admin, id, client);
  }

  @ApiOperation({ operationId: 'denySupportSession', summary: 'Deny a support request' })
  @ApiAnswer(200, SupportSessionView)
  @ApiProblems({ 409: 'The request is not pending (approved, denied or ended already)' })
  @NotInSupportSession()
  @Versioned()
  @Post(':id/deny')
  @HttpCode(200)
  deny(
    @CurrentUser() admin: Principal,
    @PathId() id: string,
    @Client() client: ClientInfo,
  ): Promise<SupportSessionView> {
    return this.sessions.deny(admin, id, client);
  }

  @ApiOperation({
    operationId: 'endSupportSession',
    summary: 'End a support request or session at once (its token fails on the next request)',
  })
  @ApiNoContent()
  @ApiProblems({ 409: 'The session is over already (denied or ended)' })
  @NotInSupportSession()
  @Delete(':id')
  @HttpCode(204)
  end(@CurrentUser() admin: Principal, @PathId() id: string, @Client() client: ClientInfo): Promise<void> {
    return this.sessions.end(admin, id, client);
  }
}
