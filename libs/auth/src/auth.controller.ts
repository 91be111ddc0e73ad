import { ApiAnswer, ApiNoContent, ApiProblems, ValidationException, Versioned } from '@app/common';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags, ApiHeader, ApiOperation } from '@nestjs/swagger';
import { Access } from './access.decorator';
import type { ClientInfo } from './auth-audit';
import { Client, CurrentUser, NoStore, Public, TenantFrom } from './auth.decorators';
import { AuthErrors } from './auth.exception';
import { AuthService, Me, refreshTokenTenant } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { TENANT_USERS, type Principal } from './roles';
import { TokenPair } from './token.service';

/**
 * The refresh token of a body, read before the validation pipe (the tenant comes from it): a body
 * the pipe would refuse for its type is a 400 here too, not a 401 for an unknown token.
 */
function refreshTokenOf(body: unknown): string {
  const token = (body as { refreshToken?: unknown } | undefined)?.refreshToken;
  if (typeof token === 'string') return token;
  const message = token === undefined || token === null ? 'refreshToken is required' : 'refreshToken must be a string';
  throw new ValidationException([{ field: 'refreshToken', message }]);
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @ApiOperation({ operationId: 'signIn', summary: 'Sign in to a tenant (e-mail and password)' })
  @ApiAnswer(200, TokenPair)
  @ApiProblems({ 401: 'The e-mail or password is wrong', 429: 'Too many failed sign-ins for this account or address' })
  @ApiHeader({
    name: 'X-Tenant-ID',
    required: false,
    description: 'the tenant slug; required unless the request comes through the tenant sub-domain',
    schema: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,38}[a-z0-9]$' },
  })
  @Public()
  @Post('login')
  @HttpCode(200)
  @NoStore()
  login(@Body() dto: LoginDto, @Client() client: ClientInfo): Promise<TokenPair> {
    return this.auth.login(dto, client);
  }

  @ApiOperation({ operationId: 'refreshSession', summary: 'Exchange a refresh token for new tokens (rotation)' })
  @ApiAnswer(200, TokenPair)
  @ApiProblems({ 401: 'The refresh token is unknown, expired, revoked or spent (then its whole family is revoked)' })
  @Public()
  @TenantFrom({
    read: (request) => refreshTokenTenant(refreshTokenOf(request.body)),
    unknown: AuthErrors.badRefresh,
  })
  @Post('refresh')
  @HttpCode(200)
  @NoStore()
  refresh(@Body() dto: RefreshDto, @Client() client: ClientInfo): Promise<TokenPair> {
    return this.auth.rotate(dto.refreshToken, client);
  }

  @ApiOperation({ operationId: 'signOut', summary: 'Sign out: end this refresh family' })
  @ApiNoContent()
  @Access({ roles: TENANT_USERS })
  @Post('logout')
  @HttpCode(204)
  logout(@CurrentUser() principal: Principal, @Client() client: ClientInfo): Promise<void> {
    return this.auth.logout(principal, client);
  }

  @ApiOperation({ operationId: 'getMe', summary: 'The signed-in tenant user' })
  @ApiAnswer(200, Me)
  @Access({ roles: TENANT_USERS })
  @Versioned()
  @Get('me')
  me(@CurrentUser() principal: Principal): Promise<Me> {
    return this.auth.me(principal);
  }
}
