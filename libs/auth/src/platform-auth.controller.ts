import { ApiAnswer, ApiNoContent, ApiProblems } from '@app/common';
import { WithoutTenant } from '@app/tenancy';
import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { Access } from './access.decorator';
import { CurrentUser, NoStore, Public } from './auth.decorators';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { PlatformAuthService } from './platform-auth.service';
import { SUPER_ADMINS, type Principal } from './roles';
import { TokenPair } from './token.service';

@ApiTags('platform')
@WithoutTenant()
@Controller('platform/auth')
export class PlatformAuthController {
  constructor(private readonly auth: PlatformAuthService) {}

  @ApiOperation({ operationId: 'platformSignIn', summary: 'Sign in as a platform admin' })
  @ApiAnswer(200, TokenPair)
  @ApiProblems({
    400: 'Invalid input',
    401: 'The e-mail or password is wrong',
    429: 'Too many failed sign-ins for this account or address',
  })
  @Public()
  @Post('login')
  @HttpCode(200)
  @NoStore()
  login(@Body() dto: LoginDto, @Ip() ip: string): Promise<TokenPair> {
    return this.auth.login(dto, ip);
  }

  @ApiOperation({ operationId: 'platformRefreshSession', summary: 'Exchange a platform refresh token for new tokens' })
  @ApiAnswer(200, TokenPair)
  @ApiProblems({ 400: 'Invalid input', 401: 'The refresh token is unknown, expired, revoked or spent' })
  @Public()
  @Post('refresh')
  @HttpCode(200)
  @NoStore()
  refresh(@Body() dto: RefreshDto): Promise<TokenPair> {
    return this.auth.rotate(dto.refreshToken);
  }

  @ApiOperation({ operationId: 'platformSignOut', summary: 'Sign out of the platform' })
  @ApiNoContent()
  @Access({ roles: SUPER_ADMINS })
  @Post('logout')
  @HttpCode(204)
  logout(@CurrentUser() principal: Principal): Promise<void> {
    return this.auth.logout(principal);
  }
}
