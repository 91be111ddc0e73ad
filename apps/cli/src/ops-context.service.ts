import { openCatalogDatabase } from '@app/catalog';
import { loadAppConfig } from '@app/config';
import { INestApplicationContext, Injectable } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CliModule } from './cli.module';

/**
 * The services a command runs on, opened only once its command line is valid (so `--help` and
 * usage errors need no configuration and no database): the catalog (the embedded PostgreSQL
 * by default, shared with a running API) and the Nest context of CliModule. Both close when
 * the command is done, whatever happened.
 */
@Injectable()
export class OpsContext {
  async run<T>(work: (app: INestApplicationContext, catalogUrl: string) => Promise<T>): Promise<T> {
    const config = { ...loadAppConfig(), workers: true };
    const catalog = await openCatalogDatabase(config, () => undefined);
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, catalog.url), {
      logger: ['fatal', 'error'],
    });
    try {
      return await work(app, catalog.url);
    } finally {
      await app.close();
      await catalog.embedded?.stop();
    }
  }
}
