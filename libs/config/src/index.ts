export * from './app.config';
export * from './config.error';
export * from './config.module';
export * from './tenants-config';
export * from './dev-secrets';
