import { Code, RpcError } from './errors';

/**
 * Conditions that are normal while a fleet starts (the registry is not up yet,
 * Kafka is creating its internal topics or electing a coordinator) are not
 * worth a warning: every caller retries them. Worth one line only when they
 * last longer than a start takes. A grace remembers when each condition was
 * first seen and says, exactly once per condition, when it has lasted.
 */
export interface StartupGrace {
  /** Records `condition` as seen now; true the first time it has lasted `graceMs` since first seen. */
  lasted(condition: string): boolean;
  /** The condition is over (e.g. the registry answered): a later recurrence starts a new grace. */
  clear(condition: string): void;
}

export function createStartupGrace(graceMs: number, now: () => number = Date.now): StartupGrace {
  const firstSeen = new Map<string, number>();
  const reported = new Set<string>();
  return {
    lasted(condition) {
      const since = firstSeen.get(condition);
      if (since === undefined) {
        firstSeen.set(condition, now());
        return false;
      }
      if (reported.has(condition) || now() - since < graceMs) return false;
      reported.add(condition);
      return true;
    },
    clear(condition) {
      firstSeen.delete(condition);
      reported.delete(condition);
    },
  };
}

/**
 * A peer that is not listening yet (refused, or no answer before the deadline): what a
 * dependency that is still starting looks like. Anything else (refused credentials, a
 * bad request) is a real failure, never waved through as start-up.
 */
export function isNotUpYet(error: unknown): boolean {
  return error instanceof RpcError && (error.code === Code.UNAVAILABLE || error.code === Code.DEADLINE_EXCEEDED);
}
