import { NullableText } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';

const count = (description: string) => ApiProperty({ type: 'integer', minimum: 0, description });

/** Tenant pools this instance keeps for the server (TenantOrmRegistry). */
export class ServerPoolsView {
  @count('tenant ORM instances kept (connected or not)')
  open: number;

  @count('pools with connections reserved')
  connected: number;

  @count('pools serving a request or job right now')
  inUse: number;

  @count('requests waiting for a connection slot')
  waiting: number;

  @count('pools of TENANT_POOL_SIZE the connection budget holds (0: not opened by this instance yet)')
  max: number;

  @count('pools closed to make room for another tenant, since start')
  evictions: number;
}

/** This instance's PostgreSQL connections to the server for tenant traffic, against its budget. */
export class ServerConnectionsView {
  @count('connections the tenant pools hold right now')
  held: number;

  @count('connections reserved by the tenant pools')
  reserved: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    minimum: 0,
    description: "the budget: this instance's share of max_connections (null: no tenant of it served yet)",
  })
  budget: number | null;
}

/** A database server of tenants.config.json, as the platform API answers it. */
export class ServerView {
  @ApiProperty({ example: 'main' })
  name: string;

  @ApiProperty({ type: [String], example: ['general'] })
  tags: string[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'tenants it may hold' })
  capacity: number;

  @count('tenants placed on it (offboarded ones left out)')
  tenants: number;

  @ApiProperty({ description: 'false once the server left tenants.config.json (its tenants stay)' })
  active: boolean;

  @NullableText({
    description: 'the PgBouncer tenant traffic goes through (host:port); null: direct',
    example: '127.0.0.1:6432',
  })
  pooler: string | null;

  @ApiProperty({ type: ServerPoolsView })
  pools: ServerPoolsView;

  @ApiProperty({ type: ServerConnectionsView })
  connections: ServerConnectionsView;
}
