export { Access, ACCESS, SECURITY_SCHEMES } from './access.decorator';
export type { AccessOptions } from './access.decorator';
export { AccessPolicy, type AccessAttempt, type RouteAccess } from './access-policy';
export { ApiKey } from './api-keys/api-key.entity';
export type { ApiScope } from './api-keys/api-key.entity';
export { AuthAudit } from './auth-audit';
export type { ClientInfo } from './auth-audit';
export { Client, CurrentUser, IS_PUBLIC, NoStore, Public } from './auth.decorators';
export { AuthException } from './auth.exception';
export { AuthModule } from './auth.module';
export { documentIdempotency } from './idempotency/idempotency-openapi';
export {
  type IdempotencyCommit,
  IdempotencyInterceptor,
  type KeyedRequest,
} from './idempotency/idempotency.interceptor';
export { IdempotencyErrors } from './idempotency/idempotency.exception';
export { IdempotencyLedger } from './idempotency/idempotency-ledger';
export { seedCompanyAdmin } from './company-admin.seeder';
export { LiveSessions } from './live-sessions';
export { AUTH_TENANT_MIGRATIONS } from './migrations';
export { PasswordHasher } from './password-hasher';
export { PlatformAuthService } from './platform-auth.service';
export { hashToken, RefreshTokens } from './refresh-tokens';
export { COMPANY_ADMINS, MANAGERS, SUPER_ADMINS, TENANT_USERS } from './roles';
export type { Principal, Role, TenantRole } from './roles';
export { ListSupportSessionsQuery } from './support-access/dto/list-support-sessions.query';
export { RequestImpersonationDto } from './support-access/dto/request-impersonation.dto';
export { ImpersonationsService } from './support-access/impersonations.service';
export { NotInSupportSession } from './support-access/not-in-support-session.decorator';
export { SupportAccessSettings } from './support-access/support-access-settings.entity';
export { SupportClock } from './support-access/support-clock';
export { SupportSession } from './support-access/support-session.entity';
export {
  ActiveImpersonation,
  ImpersonationToken,
  PendingImpersonation,
  SupportSessionView,
} from './support-access/support-session.view';
export { SupportSessionsService } from './support-access/support-sessions.service';
export { TokenVerifier } from './token-verifier';
export { User } from './user.entity';
export { toUserView, UserView } from './users/user.view';
