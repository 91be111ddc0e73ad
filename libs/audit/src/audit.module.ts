import { AuthModule } from '@app/auth';
import { Module } from '@nestjs/common';
import { AuditAnchorsModule } from './audit-anchors.module';
import { AuditLogsController } from './audit-logs.controller';
import { AuditLogsService } from './audit-logs.service';
import { AuditRecorder } from './audit-recorder';
import { PlatformAuditLogsController, PlatformAuditLogsService } from './platform-audit-logs.controller';
import { AuditInterceptor } from './audit.interceptor';

/** The audit trail: entries in each tenant's own database, platform actions in the catalog. */
@Module({
  imports: [AuditAnchorsModule, AuthModule],
  controllers: [AuditLogsController, PlatformAuditLogsController],
  providers: [AuditLogsService, PlatformAuditLogsService, AuditRecorder, AuditInterceptor],
  exports: [AuditRecorder, AuditInterceptor, AuditAnchorsModule],
})
export class AuditModule {}
