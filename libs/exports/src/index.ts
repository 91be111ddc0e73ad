export { ExportsModule } from './exports.module';
export { TenantExport } from './exports/tenant-export.entity';
export { PrivacyRequest } from './privacy/privacy-request.entity';
export { EXPORTS_TENANT_MIGRATIONS } from './migrations';
export { ExportFiles } from './export-files';
export type { ExportManifest, ManifestTable } from './ndjson-zip';
