import { Command, CommandRunner } from 'nest-commander';
import { UsageError } from '../usage';
import { CatalogMigrateCommand } from './catalog-migrate.command';

@Command({
  name: 'catalog',
  description: 'catalog migrate: apply pending catalog migrations',
  subCommands: [CatalogMigrateCommand],
  allowExcessArgs: true,
})
export class CatalogCommand extends CommandRunner {
  // Without a known sub-command.
  run(): Promise<void> {
    throw new UsageError('the catalog command is: catalog migrate');
  }
}
