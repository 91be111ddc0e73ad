import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AccessGuard } from './access.guard';
import { AccessPolicy } from './access-policy';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuthAudit } from './auth-audit';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwksController } from './jwks.controller';
import { JwtStrategy } from './jwt.strategy';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyLedger } from './idempotency/idempotency-ledger';
import { KeyStore } from './key-store';
import { LiveSessions } from './live-sessions';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { PlatformAuthController } from './platform-auth.controller';
import { PlatformAuthService } from './platform-auth.service';
import { RefreshTokens } from './refresh-tokens';
import { TokenService } from './token.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';
import { ImpersonationsService } from './support-access/impersonations.service';
import { SupportAccessAudit } from './support-access/support-access-audit';
import { SupportAccessSettingsController } from './support-access/support-access-settings.controller';
import { SupportClock } from './support-access/support-clock';
import { SupportSessionsController } from './support-access/support-sessions.controller';
import { SupportSessionsService } from './support-access/support-sessions.service';
import { SupportSettingsService } from './support-access/support-settings.service';
import { TokenVerifier } from './token-verifier';
import { VerifiedTokens } from './verified-tokens';

/**
 * Sign-in, tokens and refresh families, API keys, the access guard, idempotency keys, tenant user
 * administration, and support access (impersonation): the tenant's settings and sessions here, the
 * platform's routes in libs/platform through ImpersonationsService.
 */
@Module({
  imports: [PassportModule, JwtModule.register({})],
  controllers: [
    AuthController,
    PlatformAuthController,
    JwksController,
    ApiKeysController,
    UsersController,
    SupportAccessSettingsController,
    SupportSessionsController,
  ],
  providers: [
    KeyStore,
    TokenService,
    TokenVerifier,
    VerifiedTokens,
    PasswordHasher,
    RefreshTokens,
    LoginThrottle,
    AuthAudit,
    LiveSessions,
    ApiKeysService,
    UsersService,
    JwtStrategy,
    AccessPolicy,
    AuthService,
    PlatformAuthService,
    IdempotencyLedger,
    IdempotencyInterceptor,
    SupportClock,
    SupportAccessAudit,
    SupportSessionsService,
    SupportSettingsService,
    ImpersonationsService,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [
    AuthAudit,
    PasswordHasher,
    TokenVerifier,
    PlatformAuthService,
    IdempotencyLedger,
    IdempotencyInterceptor,
    ImpersonationsService,
    SupportSessionsService,
    SupportClock,
  ],
})
export class AuthModule {}
