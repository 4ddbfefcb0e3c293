import pino from 'pino';

/**
 * Literals in SQL or in a database's error text: quoted strings and numbers.
 * Backtick-quoted identifiers (knex quotes every table and column) stay.
 */
const LITERALS = /'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|\b\d+(?:\.\d+)?\b/g;

/** `Duplicate entry 'ada@example.com' for key 'users_email_unique'` → `Duplicate entry ? for key ?`. */
export const maskLiterals = (text: string) => text.replace(LITERALS, '?');

/** A MySQL/MariaDB error as mysql2 (and knex, which rethrows it) hands it over. */
function isDatabaseError(error: unknown): error is Error & { code?: string; errno?: number; sqlState?: string } {
  if (!(error instanceof Error)) return false;
  const e = error as { sqlState?: unknown; sqlMessage?: unknown; sql?: unknown };
  return e.sqlState !== undefined || e.sqlMessage !== undefined || e.sql !== undefined;
}

/** An error's message for a person to read: a database error's literals masked, anything else as it is. */
export const safeMessage = (error: unknown): string =>
  isDatabaseError(error) ? maskLiterals(error.message) : error instanceof Error ? error.message : String(error);

/**
 * The `err` serializer of every log: pino's own, except for database errors,
 * whose message knex prefixes with the whole statement, values inlined
 * (emails, password hashes, PII ciphertext), and whose `sql` and `sqlMessage`
 * carry them too. Those keep their code, state and stack frames, and their
 * text with every literal masked.
 */
export function safeError(error: unknown): unknown {
  if (!isDatabaseError(error)) return error instanceof Error ? pino.stdSerializers.err(error) : error;
  const message = maskLiterals(error.message);
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return {
    type: error.constructor.name,
    message,
    code: error.code,
    errno: error.errno,
    sqlState: error.sqlState,
    stack: [`${error.name}: ${message}`, ...frames].join('\n'),
  };
}
