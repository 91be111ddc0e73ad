import { parsePostgresUrl, sturdyPool } from '@app/catalog';
import type { PoolClient } from 'pg';
import { adminSql } from '../support/test-databases';
import { until } from '../support/wait';

/**
 * A checked-out connection, idle between queries (a session holding an advisory lock), whose
 * backend the server ends: the pool's client must not emit an 'error' nobody listens to (which
 * ends the process), and its next query fails as an ordinary rejection.
 */
describe('sturdyPool (real PostgreSQL)', () => {
  const adminUrl = process.env.TESSERA_TEST_PG!;

  /** Records 'error' emissions of the client and whether emitting one threw (no listener). */
  function watchErrors(client: PoolClient): { emitted: number; threw: unknown[] } {
    const seen = { emitted: 0, threw: [] as unknown[] };
    const emit = client.emit.bind(client);
    client.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event !== 'error') return emit(event, ...args);
      seen.emitted++;
      try {
        return emit(event, ...args);
      } catch (error) {
        seen.threw.push(error);
        return false;
      }
    }) as PoolClient['emit'];
    return seen;
  }

  it('keeps a terminated, checked-out idle connection from throwing; its next query rejects', async () => {
    const pool = sturdyPool({ ...parsePostgresUrl(adminUrl), database: 'postgres', max: 1 });
    const client = await pool.connect();
    try {
      const seen = watchErrors(client);
      const [{ pid }] = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
      await adminSql(adminUrl, 'select pg_terminate_backend($1)', [pid]);
      await until('the terminated session to be noticed', () => Promise.resolve(seen.emitted > 0));
      expect(seen.threw).toEqual([]);
      await expect(client.query('select 1')).rejects.toThrow();
    } finally {
      client.release(true);
      await pool.end();
    }
  });
});
