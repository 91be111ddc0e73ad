import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AccessGuard } from './access.guard';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwksController } from './jwks.controller';
import { JwtStrategy } from './jwt.strategy';
import { KeyStore } from './key-store';
import { PasswordHasher } from './password-hasher';
import { PlatformAuthController } from './platform-auth.controller';
import { PlatformAuthService } from './platform-auth.service';
import { TokenService } from './token.service';

@Module({
  imports: [PassportModule, JwtModule.register({})],
  controllers: [AuthController, PlatformAuthController, JwksController],
  providers: [KeyStore, TokenService, PasswordHasher, JwtStrategy, AuthService, PlatformAuthService, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [PasswordHasher, TokenService, PlatformAuthService],
})
export class AuthModule {}
