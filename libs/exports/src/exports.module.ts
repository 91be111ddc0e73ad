import { Module } from '@nestjs/common';
import { ExportFiles } from './export-files';
import { ExportsController } from './exports/exports.controller';
import { ExportsProcessor } from './exports/exports.processor';
import { ExportsService } from './exports/exports.service';

/**
 * A tenant's data leaving Tessera: exports of its whole database, each written by a job
 * (exports.processor.ts) into DATA_DIR/exports.
 */
@Module({
  controllers: [ExportsController],
  providers: [ExportFiles, ExportsService, ExportsProcessor],
})
export class ExportsModule {}
