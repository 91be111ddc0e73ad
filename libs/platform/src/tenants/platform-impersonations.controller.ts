import {
  Access,
  ActiveImpersonation,
  Client,
  type ClientInfo,
  CurrentUser,
  ImpersonationsService,
  ImpersonationToken,
  ListSupportSessionsQuery,
  NoStore,
  PendingImpersonation,
  type Principal,
  RequestImpersonationDto,
  SUPER_ADMINS,
  SupportSessionsService,
  SupportSessionView,
} from '@app/auth';
import { ApiAnswer, ApiPage, ApiProblems, Located, type Page, PathId, Versioned } from '@app/common';
import { PathSlug, WithoutTenant } from '@app/tenancy';
import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { TenantEntry } from './tenant-entry';

/**
 * Support access for the platform team: act as one of an active tenant's users, as the tenant's
 * settings allow (`off`: 403; `approval`: 202, a company admin approves, then `start`; `always`:
 * 201 with the token). The work runs in the tenant's database, like every platform route into a
 * tenant.
 */
@ApiTags('platform')
@WithoutTenant()
@Access({ roles: SUPER_ADMINS })
@Controller('platform/tenants/:slug/impersonations')
export class PlatformImpersonationsController {
  constructor(
    private readonly impersonations: ImpersonationsService,
    private readonly sessions: SupportSessionsService,
    private readonly tenants: TenantEntry,
  ) {}

  @ApiOperation({
    operationId: 'requestImpersonation',
    summary: "Ask to act as a tenant's user: 201 with the token (always), 202 pending approval (approval)",
  })
  @ApiAnswer(201, ActiveImpersonation, { located: true, description: 'Started: the session token' })
  @ApiAnswer(202, PendingImpersonation, { located: true, description: 'Pending: a company admin must approve' })
  @ApiProblems({
    403: "The tenant's support access is off, or its plan lacks supportAccess (feature-not-in-plan)",
    404: 'Unknown tenant or user',
    409: 'The user is deactivated, or the tenant is not active',
  })
  @Post()
  @NoStore()
  @Located(
    (created: ActiveImpersonation | PendingImpersonation, params) =>
      `/platform/tenants/${params.slug}/impersonations/${created.id}`,
  )
  async request(
    @PathSlug() slug: string,
    @CurrentUser() user: Principal,
    @Body() dto: RequestImpersonationDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ActiveImpersonation | PendingImpersonation> {
    const answer = await this.tenants.run(slug, () => this.impersonations.request(user, dto, client), 'supportAccess');
    if (answer.status === 'pending') void reply.status(202);
    return answer;
  }

  @ApiOperation({
    operationId: 'listImpersonations',
    summary: "A tenant's support requests and sessions, newest first (who, for whom, reason, status, times)",
  })
  @ApiPage(SupportSessionView)
  @ApiProblems({ 409: 'The tenant is not active' })
  @Get()
  list(@PathSlug() slug: string, @Query() query: ListSupportSessionsQuery): Promise<Page<SupportSessionView>> {
    return this.tenants.run(slug, () => this.sessions.list(query));
  }

  @ApiOperation({ operationId: 'getImpersonation', summary: 'A support request or session: its status and times' })
  @ApiAnswer(200, SupportSessionView)
  @Versioned()
  @Get(':id')
  get(@PathSlug() slug: string, @PathId() id: string): Promise<SupportSessionView> {
    return this.tenants.run(slug, () => this.sessions.get(id));
  }

  @ApiOperation({
    operationId: 'startImpersonation',
    summary: 'Start an approved session: its token, once, within 15 minutes of the approval',
  })
  @ApiAnswer(201, ImpersonationToken, { located: true })
  @ApiProblems({
    403: 'Support access is off, another platform user asked, or the plan lacks supportAccess (feature-not-in-plan)',
    409: 'Not approved (pending, denied, started or ended), the approval is older than 15 minutes, or the user is deactivated',
  })
  @Post(':id/start')
  @NoStore()
  @Located((_token: ImpersonationToken, params) => `/platform/tenants/${params.slug}/impersonations/${params.id}`)
  start(
    @PathSlug() slug: string,
    @PathId() id: string,
    @CurrentUser() user: Principal,
    @Client() client: ClientInfo,
  ): Promise<ImpersonationToken> {
    return this.tenants.run(slug, () => this.impersonations.start(user, id, client), 'supportAccess');
  }
}
