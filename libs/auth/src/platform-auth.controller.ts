import { WithoutTenant } from '@app/tenancy';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from './auth.decorators';
import { LoginDto } from './dto/login.dto';
import { PlatformAuthService } from './platform-auth.service';
import { TokenPair } from './token.service';

@ApiTags('platform')
@WithoutTenant()
@Controller('platform/auth')
export class PlatformAuthController {
  constructor(private readonly auth: PlatformAuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto): Promise<TokenPair> {
    return this.auth.login(dto);
  }
}
