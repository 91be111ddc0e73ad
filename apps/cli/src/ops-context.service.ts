import { openCatalogDatabase, parsePostgresUrl, withClient } from '@app/catalog';
import { loadAppConfig } from '@app/config';
import { INestApplicationContext, Injectable } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CliModule } from './cli.module';
import { NotReadyError } from './usage';

/**
 * The services a command runs on, opened only once its command line is valid (so `--help` and
 * usage errors need no configuration and no database): the catalog (the embedded PostgreSQL
 * by default, shared with a running API) and the Nest context of CliModule. Both close when
 * the command is done, whatever happened.
 */
@Injectable()
export class OpsContext {
  /** `migratedCatalog: false` for the one command that makes the catalog's tables (`catalog migrate`). */
  async run<T>(
    work: (app: INestApplicationContext, catalogUrl: string) => Promise<T>,
    { migratedCatalog = true }: { migratedCatalog?: boolean } = {},
  ): Promise<T> {
    const config = { ...loadAppConfig(), workers: true };
    const catalog = await openCatalogDatabase(config, () => undefined);
    try {
      if (migratedCatalog && !(await hasCatalogTables(catalog.url))) {
        throw new NotReadyError(
          `the catalog database ${parsePostgresUrl(catalog.url).database} has no tables yet: run \`npm run tenants -- catalog migrate\` or start the API once`,
        );
      }
      const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, catalog.url), {
        logger: ['fatal', 'error'],
      });
      let result: T;
      try {
        result = await work(app, catalog.url);
      } finally {
        // Closing interrupts Redis clients still connecting (a command that failed at once): Bull
        // leaves their promises rejected with "Connection is closed." unhandled. Nothing was lost;
        // any other rejection still ends the process with one line (runMain).
        process.on('unhandledRejection', ignoreClosedConnections);
        await app.close();
      }
      return result;
    } finally {
      await catalog.embedded?.stop();
    }
  }
}

function ignoreClosedConnections(reason: unknown): void {
  if (reason instanceof Error && reason.message === 'Connection is closed.') return;
  throw reason;
}

async function hasCatalogTables(url: string): Promise<boolean> {
  return withClient(parsePostgresUrl(url), async (client) => {
    const { rows } = await client.query<{ ok: boolean }>("select to_regclass('public.tenants') is not null as ok");
    return rows[0]?.ok === true;
  });
}
