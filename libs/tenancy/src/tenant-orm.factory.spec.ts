import 'reflect-metadata';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { TenantOrmFactory, tenantOrmOptions, TenantOrmTarget } from './tenant-orm.factory';
import type { TenantSchema } from './tenant-schema';

/*
 * Guard for the shared-metadata trick in TenantOrmFactory: later instances get the first one's
 * MetadataStorage through MikroORM private members (`metadata`, `createEntityManager`). If a
 * MikroORM upgrade renames or reworks them, this spec must fail loudly, before any tenant does.
 * No database is needed: every instance is created with connect = false.
 */

@Entity({ tableName: 'spec_accounts' })
class SpecAccount {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name: string;
}

@Entity({ tableName: 'spec_notes' })
class SpecNote {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  body: string;
}

const schema: TenantSchema = {
  entities: [SpecAccount, SpecNote],
  migrations: [],
  subscribers: [],
  appendOnlyTables: [],
  seedCompanyAdmin: () => Promise.resolve(),
};

function target(dbName: string): TenantOrmTarget {
  return { host: '127.0.0.1', port: 1, user: 'x', dbName, poolSize: 1, applicationName: 'spec' };
}

describe('TenantOrmFactory', () => {
  it('discovers the entity metadata once and shares it with every later instance', async () => {
    const factory = new TenantOrmFactory(schema);
    const first = await factory.create(target('tenant_acme'), false);
    const second = await factory.create(target('tenant_globex'), false);
    const third = await factory.create(target('tenant_initech'), false);
    try {
      expect(second).not.toBe(first);
      expect(second.getMetadata()).toBe(first.getMetadata());
      expect(third.getMetadata()).toBe(first.getMetadata());
      expect(second.em.getMetadata()).toBe(first.getMetadata());

      for (const orm of [first, second, third]) {
        expect(orm.em.getMetadata().find('SpecAccount')).toBeDefined();
        expect(orm.em.getMetadata().find('SpecNote')).toBeDefined();
        expect(orm.em.getMetadata().find('SpecAccount')!.tableName).toBe('spec_accounts');
      }
    } finally {
      await Promise.all([first, second, third].map((orm) => orm.close(true)));
    }
  });

  it('gives every instance its own working EntityManager', async () => {
    const factory = new TenantOrmFactory(schema);
    const first = await factory.create(target('tenant_acme'), false);
    const second = await factory.create(target('tenant_globex'), false);
    try {
      expect(second.em).not.toBe(first.em);
      for (const orm of [first, second]) {
        const em = orm.em.fork();
        const account = em.create(SpecAccount, { name: 'Acme' });
        const note = em.create(SpecNote, { body: 'hello' });
        expect(account).toBeInstanceOf(SpecAccount);
        expect(account.name).toBe('Acme');
        expect(note.body).toBe('hello');
        expect(em.getUnitOfWork().getPersistStack().size).toBe(2);
        expect(em.getMetadata().find('SpecAccount')).toBeDefined();
      }
    } finally {
      await Promise.all([first.close(true), second.close(true)]);
    }
  });

  it('points every instance at its own database', async () => {
    const factory = new TenantOrmFactory(schema);
    const first = await factory.create({ ...target('tenant_acme'), poolSize: 3 }, false);
    const second = await factory.create({ ...target('tenant_globex'), user: 'tenant_globex' }, false);
    try {
      expect(first.config.get('dbName')).toBe('tenant_acme');
      expect(second.config.get('dbName')).toBe('tenant_globex');
      expect(second.config.get('user')).toBe('tenant_globex');
      expect(first.config.get('pool')?.max).toBe(3);
      expect(second.config.get('pool')?.max).toBe(1);
      expect(second.config).not.toBe(first.config);
    } finally {
      await Promise.all([first.close(true), second.close(true)]);
    }
  });

  it('registers the migrator on later instances too', async () => {
    const factory = new TenantOrmFactory(schema);
    const first = await factory.create(target('tenant_acme'), false);
    const second = await factory.create(target('tenant_globex'), false);
    try {
      expect(first.getMigrator()).toBeDefined();
      expect(second.getMigrator()).toBeDefined();
      expect(second.getMigrator()).not.toBe(first.getMigrator());
    } finally {
      await Promise.all([first.close(true), second.close(true)]);
    }
  });
});

describe('tenantOrmOptions', () => {
  const connection = (t: TenantOrmTarget) =>
    (tenantOrmOptions(schema, t).driverOptions as { connection: Record<string, unknown> }).connection;

  it('sends no startup parameter PgBouncer refuses for a tenant pool (timeouts are role settings)', () => {
    const sent = Object.keys(connection(target('tenant_acme')));
    expect(sent.sort()).toEqual(['application_name', 'connectionTimeoutMillis']);
  });

  it('sends statement_timeout only when a direct admin connection asks for it', () => {
    expect(connection({ ...target('tenant_acme'), statementTimeoutMs: 30_000 })).toMatchObject({
      statement_timeout: 30_000,
    });
  });
});
