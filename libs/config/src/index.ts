export { loadAppConfig } from './app.config';
export type { AppConfig } from './app.config';
export { ConfigError } from './config.error';
export { APP_CONFIG, ConfigModule } from './config.module';
export type { ResolvedDbServer, ResolvedPooler } from './tenants-config';
export { loadOrCreateDevSecret } from './dev-secrets';
