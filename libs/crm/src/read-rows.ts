import type { EntityManager } from '@mikro-orm/postgresql';

/** What a Knex client and a pg connection offer, as far as a read needs them. */
interface PooledClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<unknown>;
}

interface PgConnection {
  query(text: string, values: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Rows of one read-only statement (`$1`… parameters) on the EntityManager's database: on the
 * connection of its transaction when it has one, else on a connection of the same pool the ORM
 * uses, straight through the driver (no query builder, no identity map, no per-query logging).
 * The connection goes back to the pool whatever happens.
 */
export async function readRows(
  em: EntityManager,
  sql: string,
  values: readonly unknown[],
): Promise<Record<string, unknown>[]> {
  const knex = (em.getTransactionContext() ?? em.getConnection().getKnex()) as unknown as { client: PooledClient };
  const client = knex.client;
  const connection = await client.acquireConnection();
  try {
    return (await connection.query(sql, values)).rows;
  } finally {
    void client.releaseConnection(connection);
  }
}
