import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser, Public, Roles } from './auth.decorators';
import { AuthService, Me } from './auth.service';
import { LoginDto } from './dto/login.dto';
import type { Principal } from './roles';
import { TokenPair } from './token.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto): Promise<TokenPair> {
    return this.auth.login(dto);
  }

  @Roles('company_admin', 'manager', 'staff')
  @Get('me')
  me(@CurrentUser() principal: Principal): Promise<Me> {
    return this.auth.me(principal);
  }
}
