import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CommandRunner, InjectCommander } from 'nest-commander';
import { CommandLineExit } from './usage';

/** commander's Command, as nest-commander builds it. */
type CommanderCommand = Parameters<CommandRunner['setCommand']>[0];

const ROOT_HELP = `
From a checkout: npm run tenants -- <command> [arguments] [options] (builds first).
Every command uses the API's environment (DATABASE_URL, REDIS_URL, ...; see README) and
prints one tab-separated line per result. Exit codes: 0 done, 1 refused or failed, 2 usage.
Run "tenants <command> --help" for a command's arguments and options.`;

/**
 * The house rules of the command tree nest-commander built from the *.command.ts providers:
 * the name "tenants", errors as one line "tenants: …" with exit 2 (never a stack trace), and
 * no stray arguments after a command's own.
 */
@Injectable()
export class CommandLine implements OnApplicationBootstrap {
  constructor(@InjectCommander() private readonly root: CommanderCommand) {}

  onApplicationBootstrap(): void {
    this.root
      .name('tenants')
      .usage('<command> [arguments] [options]')
      .description('Tessera ops CLI: onboard, migrate, suspend, offboard and audit tenants.')
      .addHelpText('after', ROOT_HELP);
    configure(this.root);
  }
}

function configure(command: CommanderCommand): void {
  command.exitOverride((error) => {
    throw new CommandLineExit(error.exitCode === 0 ? 0 : 2);
  });
  // One line: commander's "error: " prefix becomes the CLI's name, its "(Did you mean …?)" joins the line.
  const oneLine = (text: string) =>
    `tenants: ${text
      .replace(/^error: /, '')
      .trim()
      .replace(/\s*\n\s*/g, ' ')}\n`;
  command.configureOutput({ outputError: (text, write) => write(oneLine(text)) });
  // A group (audit, catalog) answers a wrong sub-command itself; a command takes only its own arguments.
  if (!command.commands.length) command.allowExcessArguments(false);
  for (const sub of command.commands) configure(sub);
}
