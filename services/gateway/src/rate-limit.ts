/**
 * A token bucket per client: `burst` requests at once, refilled at
 * `ratePerSecond`. The same algorithm as Envoy's local_ratelimit with a
 * per-remote-address descriptor, in one process. Buckets live in an LRU map of
 * at most `maxClients`, so a flood of addresses cannot grow memory without bound
 * (an evicted client starts again with a full bucket, as in Envoy).
 */
export interface RateLimiterOptions {
  ratePerSecond: number;
  burst: number;
  maxClients?: number;
  now?: () => number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(client: string): RateDecision;
}

export function createRateLimiter({ ratePerSecond, burst, maxClients = 10_000, now = Date.now }: RateLimiterOptions): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(client) {
      const t = now();
      const bucket = buckets.get(client) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * ratePerSecond);
      bucket.at = t;
      // Re-inserting keeps the map in least-recently-used order.
      buckets.delete(client);
      buckets.set(client, bucket);
      if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value!);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond)) };
    },
  };
}
