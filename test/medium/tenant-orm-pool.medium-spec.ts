import { parsePostgresUrl } from '@app/catalog';
import { TenantOrmFactory, TenantOrmPool } from '@app/tenancy';
import { randomBytes } from 'node:crypto';
import { TENANT_DATABASE_SCHEMA } from '../../apps/tenant-schema';
import { adminSql } from '../support/test-databases';

/**
 * TenantOrmPool keeps a tenant's MikroORM instance while its connections come and go. It reaches
 * into MikroORM 6 and knex internals (the knex client behind the connection, tarn's `max`): these
 * tests fail if an upgrade moves them. Two databases, so a reopened pool is seen to stay on its own.
 */
describe('TenantOrmPool (real PostgreSQL)', () => {
  const adminUrl = process.env.TESSERA_TEST_PG!;
  const names = [0, 1].map(() => `tessera_ormpool_${randomBytes(5).toString('hex')}`);
  const factory = new TenantOrmFactory(TENANT_DATABASE_SCHEMA);
  const pools: TenantOrmPool[] = [];

  beforeAll(async () => {
    for (const name of names) {
      await adminSql(adminUrl, `create database ${name}`);
      await adminSql(adminUrl, `create table marker (name text); insert into marker values ('${name}')`, [], name);
    }
    const admin = parsePostgresUrl(adminUrl);
    for (const name of names) {
      const orm = await factory.create(
        {
          host: admin.host,
          port: admin.port,
          user: admin.user,
          password: admin.password,
          dbName: name,
          poolSize: 2,
          applicationName: 'tessera-test',
        },
        false,
      );
      pools.push(new TenantOrmPool(orm));
    }
  });
  afterAll(async () => {
    for (const pool of pools) await pool.close().catch(() => undefined);
    for (const name of names) await adminSql(adminUrl, `drop database if exists ${name} with (force)`);
  });

  const marker = async (pool: TenantOrmPool) =>
    (await pool.orm.em.getConnection().execute<{ name: string }[]>('select name from marker'))[0].name;
  const knexOf = (pool: TenantOrmPool) => (pool.orm.em.getConnection() as unknown as { client?: object }).client;

  it('sizes the live knex pool, and counts its connections', async () => {
    const [pool] = pools;
    await pool.connect(3);
    expect(pool.size()).toBe(3);
    pool.resize(1);
    expect(pool.size()).toBe(1);
    expect(await marker(pool)).toBe(names[0]);
    expect(pool.connections()).toBe(1);
    await pool.disconnect();
    expect(pool.size()).toBe(0);
    expect(pool.connections()).toBe(0);
  });

  it('drops the destroyed knex instance on disconnect, and reconnects the same ORM instance to its own database', async () => {
    const [first, second] = pools;
    await Promise.all([first.connect(2), second.connect(2)]);
    const orm = first.orm;
    await first.disconnect();
    expect(knexOf(first)).toBeUndefined();
    expect(await marker(second)).toBe(names[1]);
    await first.connect(2);
    expect(first.orm).toBe(orm);
    expect(knexOf(first)).toBeDefined();
    expect(await marker(first)).toBe(names[0]);
    await Promise.all([first.disconnect(), second.disconnect()]);
  });
});
