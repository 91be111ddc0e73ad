import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import { catalogOrmOptions } from './catalog-orm.config';
import { DbServerSync } from './db-server.sync';
import { SecretBoxProvider } from './secret-box.provider';

/** The catalog connection URL, for code that needs its own short-lived connections. */
export const CATALOG_URL = Symbol('CATALOG_URL');

/** The catalog database: which tenants exist, where their databases live, who runs the platform. */
@Module({})
export class CatalogModule {
  static forRoot(catalogUrl: string): DynamicModule {
    return {
      module: CatalogModule,
      global: true,
      imports: [MikroOrmModule.forRoot({ ...catalogOrmOptions(catalogUrl), registerRequestContext: false })],
      providers: [DbServerSync, SecretBoxProvider, { provide: CATALOG_URL, useValue: catalogUrl }],
      exports: [DbServerSync, SecretBoxProvider, CATALOG_URL],
    };
  }
}
