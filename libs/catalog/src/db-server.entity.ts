import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** A PostgreSQL server tenants may be placed on; rows are synced from tenants.config.json. */
@Entity({ tableName: 'db_servers' })
export class DbServer {
  [OptionalProps]?: 'useCatalogServer' | 'tags' | 'active' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'text' })
  name: string;

  @Property({ type: 'boolean' })
  useCatalogServer: boolean = false;

  @Property({ type: 'text', nullable: true })
  host?: string | null;

  @Property({ type: 'integer', nullable: true })
  port?: number | null;

  @Property({ type: 'integer' })
  capacity: number;

  @Property({ type: 'text[]', defaultRaw: "'{}'" })
  tags: string[] = [];

  /** False once the server left tenants.config.json; its tenants stay where they are. */
  @Property({ type: 'boolean' })
  active: boolean = true;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
