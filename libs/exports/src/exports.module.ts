import { Module } from '@nestjs/common';
import { ExportFiles } from './export-files';
import { ExportsController } from './exports/exports.controller';
import { ExportsProcessor } from './exports/exports.processor';
import { ExportsService } from './exports/exports.service';
import { PlatformExportsController } from './exports/platform-exports.controller';
import { PrivacyController } from './privacy/privacy.controller';
import { PrivacyProcessor } from './privacy/privacy.processor';
import { PrivacyService } from './privacy/privacy.service';

/**
 * A tenant's data leaving Tessera: exports of its whole database and privacy requests about one
 * person, each written by a job (exports.processor.ts, privacy.processor.ts) into DATA_DIR/exports.
 */
@Module({
  controllers: [ExportsController, PlatformExportsController, PrivacyController],
  providers: [ExportFiles, ExportsService, ExportsProcessor, PrivacyService, PrivacyProcessor],
})
export class ExportsModule {}
