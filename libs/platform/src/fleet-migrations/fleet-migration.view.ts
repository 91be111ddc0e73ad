import { FLEET_MIGRATION_STATUSES, type FleetMigrationRun, type FleetMigrationStatus } from '@app/catalog';
import { IdProperty, NullableText, TimeProperty } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const count = (description: string) => ApiProperty({ type: 'integer', minimum: 0, description });

/** Tenants at one schema version. */
export class SchemaVersionCount {
  @NullableText({ description: 'the last tenant migration applied (null: none yet)' })
  version: string | null;

  @count('active and suspended tenants at this version')
  tenants: number;
}

/** A tenant a fleet migration left behind, and why. */
export class FleetMigrationFailureView {
  @ApiProperty({ example: 'acme' })
  slug: string;

  @NullableText({ description: 'its schema version before the attempt' })
  from: string | null;

  @ApiProperty({ description: 'what went wrong' })
  error: string;

  @TimeProperty()
  at: string;
}

/** One fleet migration started from the platform API: its progress, live. */
export class FleetMigrationRunView {
  @IdProperty()
  id: string;

  @ApiProperty({ enum: FLEET_MIGRATION_STATUSES, enumName: 'FleetMigrationStatus' })
  status: FleetMigrationStatus;

  @ApiProperty({ description: 'the schema version it brings tenants to', example: 'Migration20261207212636' })
  target: string;

  @count('tenants queued (those behind when it started)')
  total: number;

  @count('tenants finished, failed ones included')
  done: number;

  @count('tenants that failed')
  failed: number;

  @ApiProperty({ type: [FleetMigrationFailureView] })
  failures: FleetMigrationFailureView[];

  @ApiProperty({ description: 'the platform user who started it' })
  startedBy: string;

  @TimeProperty()
  startedAt: string;

  @TimeProperty({ nullable: true })
  finishedAt: string | null;
}

/** The fleet's schema status. */
export class FleetMigrationsView {
  @ApiProperty({ description: "the code's latest tenant migration", example: 'Migration20261207212636' })
  latest: string;

  @count('active and suspended tenants (the ones migrations apply to)')
  tenants: number;

  @count('tenants at the latest version')
  upToDate: number;

  @count('tenants behind the latest version')
  behind: number;

  @ApiProperty({ type: [SchemaVersionCount], description: 'tenants per schema version, newest version first' })
  versions: SchemaVersionCount[];

  @ApiProperty({ type: [String], description: 'slugs of tenants behind (at most 100, oldest version first)' })
  behindTenants: string[];

  @ApiProperty({
    type: [FleetMigrationFailureView],
    description: 'tenants the last run could not migrate and that are still behind, with the errors',
  })
  failed: FleetMigrationFailureView[];

  @ApiPropertyOptional({ type: FleetMigrationRunView, description: 'the newest run (absent: none yet)' })
  lastRun?: FleetMigrationRunView;
}

export function toFleetMigrationRunView(run: FleetMigrationRun): FleetMigrationRunView {
  return {
    id: run.id,
    status: run.status,
    target: run.target,
    total: run.total,
    done: run.done,
    failed: run.failed,
    failures: run.failures,
    startedBy: run.startedBy,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
