import { AppException } from '@app/common';
import { isTenantSlug } from '@app/tenancy';

/** A command line the CLI cannot run: one line on stderr, exit 2, before anything is opened. */
export class UsageError extends Error {}

/** A command that cannot run in this deployment's state (e.g. an unmigrated catalog): one line, exit 1. */
export class NotReadyError extends Error {}

/** Commander stopped: it showed the help (exit 0) or already printed its one-line usage error (exit 2). */
export class CommandLineExit extends Error {
  constructor(readonly exitCode: number) {
    super(`command line ended with ${exitCode}`);
  }
}

/** One result line on stdout (tab-separated fields, as scripts read them). */
export const out = (line: string) => process.stdout.write(`${line}\n`);

/** The tenant slug argument, or a usage error naming the rule. */
export function tenantSlug(value: string | undefined): string {
  if (!isTenantSlug(value)) {
    throw new UsageError(
      `"${value ?? ''}" is not a tenant slug (3-40 lower-case letters, digits or dashes, starting with a letter)`,
    );
  }
  return value;
}

/** An option's parser: the value, unless the option was given already. */
export function once<T>(flag: string, value: T, previous: unknown): T {
  if (previous !== undefined) throw new UsageError(`${flag} is given twice`);
  return value;
}

/**
 * What the CLI says when a command line or a command fails: a usage error or a refused
 * operation is one line and an exit code; anything else goes on to runMain (one line, exit 1).
 */
export function reportFailure(error: unknown): void {
  if (error instanceof CommandLineExit) {
    process.exitCode = error.exitCode;
  } else if (error instanceof UsageError) {
    process.stderr.write(`tenants: ${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof NotReadyError) {
    process.stderr.write(`tenants: ${error.message}\n`);
    process.exitCode = 1;
  } else if (error instanceof AppException) {
    process.stderr.write(`tenants: ${error.detail}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
