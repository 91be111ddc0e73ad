import { openCatalogDatabase } from '@app/catalog';
import { loadAppConfig } from '@app/config';

export interface SchemaServer {
  /** A database URL on the server, with credentials that may create databases. */
  url: string;
  close(): Promise<void>;
}

/** The server the schema tools make scratch databases on: DATABASE_URL's, else the embedded one `npm start` uses. */
export async function openSchemaServer(log: (line: string) => void): Promise<SchemaServer> {
  const catalog = await openCatalogDatabase(loadAppConfig(), log);
  return { url: catalog.url, close: async () => catalog.embedded?.stop() };
}
