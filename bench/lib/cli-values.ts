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

/** Runs a CLI's main: usage errors and refused targets print one line and exit 2, anything else exits 1. */
export function runCli(usage: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: Error) => {
      const usageError = error.name === 'UsageError' || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
      if (usageError || error.name === 'TargetRefused') {
        process.stderr.write(`${error.message}\n${usageError ? `\n${usage}` : ''}`);
        process.exit(2);
      }
      process.stderr.write(`${error.name === 'CliError' ? error.message : (error.stack ?? error.message)}\n`);
      process.exit(1);
    },
  );
}
