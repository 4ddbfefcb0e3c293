/**
 * What kind of failure a database (or network) error is, read from the driver's
 * error codes: the one place that knows them. Callers decide what a kind means
 * for them: the RPC error mapping answers ABORTED or UNAVAILABLE, the event
 * consumer waits and retries instead of dead-lettering.
 */
export type TransientFailure =
  /** The database chose this transaction as a deadlock victim; retrying it is the documented answer. */
  | 'deadlock'
  /** innodb_lock_wait_timeout ran out waiting for a row lock. */
  | 'lock-wait'
  /** The server is shutting down or was restarted under us. */
  | 'shutdown'
  /** The connection could not be made or was lost. */
  | 'connection'
  /** No pooled connection became free in time (the pool is exhausted or the server is unreachable). */
  | 'pool';

const BY_CODE: Record<string, TransientFailure> = {
  ER_LOCK_DEADLOCK: 'deadlock',
  ER_LOCK_WAIT_TIMEOUT: 'lock-wait',
  ER_SERVER_SHUTDOWN: 'shutdown',
  ER_CONNECTION_KILLED: 'shutdown',
  ER_QUERY_INTERRUPTED: 'shutdown',
  ER_CON_COUNT_ERROR: 'connection',
  PROTOCOL_CONNECTION_LOST: 'connection',
  PROTOCOL_SEQUENCE_TIMEOUT: 'connection',
  ECONNREFUSED: 'connection',
  ECONNRESET: 'connection',
  ETIMEDOUT: 'connection',
  EPIPE: 'connection',
  EHOSTUNREACH: 'connection',
  ENETUNREACH: 'connection',
  EAI_AGAIN: 'connection',
};

/** Set by mysql2 on errors that leave the connection unusable. */
const isFatal = (error: { fatal?: unknown }) => error.fatal === true;

/** The kind of transient failure `error` is, or undefined when retrying cannot help. */
export function transientFailure(error: unknown): TransientFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'KnexTimeoutError') return 'pool';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code in BY_CODE) return BY_CODE[code];
  // "Can't add new command when connection is in closed state" and similar: the socket is gone.
  if (isFatal(error as { fatal?: unknown }) || /connection is in closed state|Connection lost/i.test(error.message)) return 'connection';
  return undefined;
}
