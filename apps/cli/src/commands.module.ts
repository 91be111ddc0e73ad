import { Module } from '@nestjs/common';
import { CommandLine } from './command-line.service';
import { AuditCommand } from './commands/audit.command';
import { CatalogCommand } from './commands/catalog.command';
import { CreateCommand } from './commands/create.command';
import { ListCommand } from './commands/list.command';
import { MigrateCommand } from './commands/migrate.command';
import { OffboardCommand } from './commands/offboard.command';
import { PlanCommand } from './commands/plan.command';
import { RelocateCommand } from './commands/relocate.command';
import { ResumeCommand } from './commands/resume.command';
import { SuspendCommand } from './commands/suspend.command';
import { OpsContext } from './ops-context.service';

/**
 * The ops CLI's commands, one *.command.ts each (listed in --help in this order). This context
 * holds no connection: a command opens CliModule through OpsContext once its arguments are valid.
 */
@Module({
  providers: [
    ListCommand,
    CreateCommand,
    MigrateCommand,
    SuspendCommand,
    ResumeCommand,
    OffboardCommand,
    RelocateCommand,
    PlanCommand,
    ...CatalogCommand.registerWithSubCommands(),
    ...AuditCommand.registerWithSubCommands(),
    OpsContext,
    CommandLine,
  ],
})
export class CommandsModule {}
