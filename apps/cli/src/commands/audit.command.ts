import { Command, CommandRunner } from 'nest-commander';
import { UsageError } from '../usage';
import { AuditAnchorCommand } from './audit-anchor.command';
import { AuditVerifyCommand } from './audit-verify.command';

@Command({
  name: 'audit',
  description: "audit verify <slug> | audit anchor <slug>: check or sign a tenant's audit chain",
  subCommands: [AuditVerifyCommand, AuditAnchorCommand],
  allowExcessArgs: true,
})
export class AuditCommand extends CommandRunner {
  // Without a known sub-command.
  run(): Promise<void> {
    throw new UsageError('the audit commands are: audit verify <slug>, audit anchor <slug>');
  }
}
