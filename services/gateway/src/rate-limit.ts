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

/**
 * The client of a request: the socket's peer, or with `trustedHops` proxies in
 * front (each appending the address it saw to X-Forwarded-For) the entry that
 * many places from the right, as Envoy's xff_num_trusted_hops reads it.
 * Entries further left are the client's own writing and never trusted; a
 * header shorter than the hop count falls back to the peer.
 */
export function clientAddress(forwardedFor: string | string[] | undefined, peer: string | undefined, trustedHops: number): string {
  if (trustedHops > 0 && forwardedFor !== undefined) {
    const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    if (entries.length >= trustedHops) return entries[entries.length - trustedHops];
  }
  return peer ?? 'unknown';
}

/** The subset of ioredis the shared limiter uses. */
export interface RedisEval {
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * The same token bucket in Redis, so every gateway replica spends from one
 * bucket per client: a script refills and takes atomically, with Redis's own
 * clock, and lets an idle bucket expire. If Redis does not answer the
 * process-local bucket decides, so an outage of the cache never takes the edge
 * down (the limit is then per replica until Redis is back).
 */
export function createSharedRateLimiter(redis: RedisEval, options: RateLimiterOptions & { prefix?: string; onError?: (error: unknown) => void }) {
  const local = createRateLimiter(options);
  const { ratePerSecond, burst, prefix = 'gateway:ratelimit:' } = options;
  const ttlSeconds = Math.ceil(burst / ratePerSecond) + 1;
  return {
    async take(client: string): Promise<RateDecision> {
      try {
        const [allowed, retryAfter] = (await redis.eval(TOKEN_BUCKET, 1, prefix + client, ratePerSecond, burst, ttlSeconds)) as [number, number];
        return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: retryAfter };
      } catch (error) {
        options.onError?.(error);
        return local.take(client);
      }
    },
  };
}

/** KEYS[1] bucket; ARGV rate/s, burst, ttl. Returns {1, 0} or {0, retry-after seconds}. */
const TOKEN_BUCKET = `
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, burst, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], ttl)
if allowed == 1 then return {1, 0} end
return {0, math.max(1, math.ceil((1 - tokens) / rate))}
`;
