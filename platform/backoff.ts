/**
 * How long to wait before trying again, for every retry loop of the platform:
 * RPC retries (clients and the gateway), registration, the Kafka consumer,
 * the outbox relay. Exponential, capped, with jitter so that processes that
 * failed together do not come back together. A retry that wraps one function
 * may use `exponential-backoff`'s backOff (services/payments); loops that
 * sleep between rounds of their own use this.
 */
export interface Backoff {
  /** The bound of the first wait. */
  initialMs: number;
  /** No wait is longer. */
  maxMs: number;
  /** Growth of the bound per retry; 2 by default. */
  multiplier?: number;
  /**
   * 'full': anywhere in [0, bound] (gRPC's A6 retries, AWS "full jitter"): the
   * most spread. 'equal': in [bound/2, bound], for loops that must not spin.
   * 'none': the bound itself.
   */
  jitter?: 'full' | 'equal' | 'none';
}

/** The wait before retry number `retry` (0 for the first). */
export function backoffDelay(retry: number, { initialMs, maxMs, multiplier = 2, jitter = 'full' }: Backoff, random: () => number = Math.random): number {
  const bound = Math.min(initialMs * multiplier ** retry, maxMs);
  if (jitter === 'full') return random() * bound;
  if (jitter === 'equal') return bound / 2 + (random() * bound) / 2;
  return bound;
}

/**
 * Retries of a call that failed UNAVAILABLE, wherever the platform makes
 * them (platform/rpc/client-interceptors.ts, the gateway): at most 3
 * attempts, waiting up to 50 ms, then up to 100 ms. Envoy's per-route policy
 * (envoy/envoy.yaml, `retry_back_off: 0.05s..0.5s`, 2 retries) matches it.
 */
export const RPC_RETRY = { attempts: 3, backoff: { initialMs: 50, maxMs: 500, jitter: 'full' } satisfies Backoff };
