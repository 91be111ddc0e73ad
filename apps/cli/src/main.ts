import 'reflect-metadata';
import { runMain } from '@app/common';
import { CommandFactory } from 'nest-commander';
import { CommandsModule } from './commands.module';
import { reportFailure } from './usage';

// A reader that stops early (`tenants --help | head -3`) ends the output, not the process with a
// stack trace: later lines go nowhere and the command still closes what it opened.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
});

// The command tree needs no connection; each command opens and closes what it runs on
// (OpsContext), so run() may close this context as soon as the command returns.
runMain('tenants', () =>
  CommandFactory.run(CommandsModule, { logger: ['fatal', 'error'], serviceErrorHandler: reportFailure }),
);
