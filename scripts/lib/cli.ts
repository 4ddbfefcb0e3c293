import { safeMessage } from '../../platform/safe-error';

/** A duration from the command line: `30s`, `500ms`, `2m`, or plain seconds (`10`). Milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag}: "${text}" is not a duration (e.g. 30s, 500ms, 2m)`);
  const value = Number(match[1]);
  return match[2] === 'ms' ? value : match[2] === 'm' ? value * 60_000 : value * 1000;
}

/** A whole number of at least `min`. */
export function parseCount(text: string, flag: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag}: "${text}" must be a whole number of at least ${min}`);
  return value;
}

/** A mistake on the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An expected failure (a platform that is not running, an account that is not admin): its message alone, exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/**
 * Runs a CLI's main and owns its exit: a usage mistake (UsageError, a parseArgs
 * error) or a refused target prints one line and the usage, exit 2; a CliError
 * its message, exit 1; anything else one line, exit 1, never a stack trace, and
 * with a database error's literals masked (knex puts the statement and its
 * values, personal data included, into the message).
 */
export function runCli(name: string, usage: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: Error) => {
      const usageError = error.name === 'UsageError' || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
      if (usageError || error.name === 'TargetRefused') {
        process.stderr.write(`${name}: ${error.message}\n${usageError ? `\n${usage}` : ''}`);
        process.exit(2);
      }
      process.stderr.write(`${name}: ${safeMessage(error)}\n`);
      process.exit(1);
    },
  );
}

/** Answers `--help`/`-h` on stdout, exit 0: call first thing in main. */
export function helpRequested(values: { help?: boolean }, usage: string): boolean {
  if (values.help) process.stdout.write(usage);
  return Boolean(values.help);
}
