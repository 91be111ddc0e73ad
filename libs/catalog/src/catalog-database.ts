import type { AppConfig } from '@app/config';
import { ConfigError } from '@app/config';
import { describePgError, ensureDatabase, parsePostgresUrl, toPostgresUrl } from './postgres-url';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './embedded-postgres';

export const EMBEDDED_CATALOG_DB = 'tessera';

export interface CatalogDatabase {
  url: string;
  embedded?: EmbeddedPostgresHandle;
}

/**
 * The catalog database the process will use: DATABASE_URL, or an embedded PostgreSQL when it
 * is unset. The database is created if missing. Failures are one-line ConfigErrors.
 */
export async function openCatalogDatabase(
  config: AppConfig,
  log: (line: string) => void,
  options: { callerStopsOnSignal?: boolean } = {},
): Promise<CatalogDatabase> {
  let url = config.databaseUrl;
  let embedded: EmbeddedPostgresHandle | undefined;
  if (!url) {
    const started = Date.now();
    try {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log, ...options });
    } catch (error) {
      throw new ConfigError(error instanceof Error ? error.message : String(error)); // one line, no stack
    }
    url = toPostgresUrl({ ...parsePostgresUrl(embedded.url), database: EMBEDDED_CATALOG_DB });
    const how = embedded.shared
      ? 'already running for another Tessera process'
      : `started in ${Date.now() - started} ms`;
    log(
      `No DATABASE_URL: using an embedded PostgreSQL on 127.0.0.1:${embedded.port}, data in ${embedded.dataDir} (${how})`,
    );
  }
  try {
    if (await ensureDatabase(url)) log(`created the catalog database ${parsePostgresUrl(url).database}`);
  } catch (error) {
    await embedded?.stop();
    throw new ConfigError(`DATABASE_URL: ${describePgError(error, parsePostgresUrl(url))}`);
  }
  return { url, embedded };
}
