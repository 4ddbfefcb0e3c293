import type Redis from 'ioredis';
import type { Logger } from './logger';
import { cacheMetrics } from './cache-metrics';

/**
 * A Redis connection that fails fast while Redis is down (no offline queue,
 * short command timeout) and keeps reconnecting in the background, so callers
 * fall back to their source of truth instead of waiting.
 */
export function openRedis(url: string, log: Logger): Redis {
  // ioredis loads here, not with this module: services without Redis (users, orders,
  // payments) never load it (docs/benchmarks.md, memory).
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Long enough for a loaded machine, short enough that a hung Redis costs one slow read.
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let down = false;
  redis.on('error', (error) => {
    if (!down) log.warn({ err: error }, 'redis unavailable; serving without cache');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis available again');
    down = false;
  });
  return redis;
}

export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

export interface CacheOptions {
  /** Label of the cache in metrics and the prefix of its keys. */
  name: string;
  ttlSeconds: number;
  log: Logger;
}

/**
 * Cache-aside over Redis: read the key, on a miss load from the source and
 * store it with a jittered TTL. Concurrent misses for one key in this process
 * share one load. When Redis fails the value comes from the source, the
 * failure is counted, and the request succeeds.
 *
 * A load that races a write must not put the old value back after the write's
 * invalidation (concurrent orders left a product's stock stale until its TTL):
 * each invalidation bumps the key's version, a miss reads the version with the
 * key (one round trip), and the fill stores only while the version is unchanged
 * (FILL_IF_UNCHANGED, atomic in Redis), across every instance sharing Redis.
 */
const FILL_IF_UNCHANGED = `
if (redis.call('GET', KEYS[2]) or '') == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0`;
export function createCache(redis: Redis, { name, ttlSeconds, log }: CacheOptions) {
  const inflight = new Map<string, Promise<unknown>>();
  const fullKey = (key: string) => `${name}:${key}`;
  const count = (result: 'hit' | 'miss' | 'error') => cacheMetrics.requests.inc({ cache: name, result });
  const ttl = () => Math.round(ttlSeconds * (0.9 + Math.random() * 0.2));
  const redisUp = () => redis.status === 'ready';

  const versionKey = (key: string) => fullKey(`ver:${key}`);

  /** The entry (null on a miss) and the key's version, or undefined when Redis fails. */
  async function read(key: string): Promise<{ value: Buffer | null; version: string } | undefined> {
    if (!redisUp()) return undefined;
    try {
      const [value, version] = await redis.mgetBuffer(fullKey(key), versionKey(key));
      return { value, version: version?.toString() ?? '' };
    } catch (error) {
      log.debug({ err: error, key }, 'cache read failed');
      return undefined;
    }
  }

  /** Stores the loaded value unless the key was invalidated since `version` was read. */
  async function fill(key: string, bytes: Uint8Array, version: string): Promise<void> {
    if (!redisUp()) return;
    try {
      await redis.eval(FILL_IF_UNCHANGED, 2, fullKey(key), versionKey(key), Buffer.from(bytes), ttl(), version);
    } catch (error) {
      log.debug({ err: error, key }, 'cache write failed');
    }
  }

  const cache = {
    async getOrLoad<T>(key: string, codec: Codec<T>, load: () => Promise<T>): Promise<T> {
      const cached = await read(key);
      if (cached?.value) {
        count('hit');
        return codec.decode(cached.value);
      }
      count(cached === undefined ? 'error' : 'miss');
      const pending = inflight.get(key) as Promise<T> | undefined;
      if (pending) return pending;
      const loading = (async () => {
        const value = await load();
        if (value !== undefined && cached) await fill(key, codec.encode(value), cached.version);
        return value;
      })();
      inflight.set(key, loading);
      // Cleared once settled, never before it was registered: a loader that
      // throws synchronously would otherwise leave its rejection cached here.
      const settled = () => {
        if (inflight.get(key) === loading) inflight.delete(key);
      };
      loading.then(settled, settled);
      return loading;
    },

    /**
     * Removes keys after a write. A failure is logged loudly: entries then live
     * until their TTL, which bounds how stale a read can be.
     */
    async invalidate(...keys: string[]): Promise<void> {
      if (keys.length === 0) return;
      try {
        const batch = redis.multi().del(...keys.map(fullKey));
        // A version outlives any load in flight, then goes: a missing version reads as ''.
        for (const key of keys) batch.incr(versionKey(key)).expire(versionKey(key), ttlSeconds * 2);
        const results = await batch.exec();
        const failed = results?.find(([error]) => error)?.[0];
        if (failed) throw failed;
      } catch (error) {
        log.warn({ err: error, keys }, `cache invalidation failed; entries expire within ${ttlSeconds}s`);
      }
    },

    /**
     * A counter that is part of derived keys (lists, searches): bumping it
     * retires every key built from the old value at once.
     */
    async generation(scope: string): Promise<string | undefined> {
      if (!redisUp()) return undefined;
      try {
        return (await redis.get(fullKey(`gen:${scope}`))) ?? '0';
      } catch {
        return undefined;
      }
    },

    /**
     * Cache-aside under the scope's current generation: the entry is stored as
     * `<scope>:g<generation>[:<key>]`, so one bumpGeneration(scope) retires
     * every entry of the scope at once (lists, searches, anything derived from
     * many rows). Without a generation (Redis down) an entry could never be
     * retired, so the value comes from `load` and is not cached.
     */
    async getOrLoadInGeneration<T>(scope: string, key: string, codec: Codec<T>, load: () => Promise<T>): Promise<T> {
      const generation = await cache.generation(scope);
      if (generation === undefined) return load();
      return cache.getOrLoad(`${scope}:g${generation}${key ? `:${key}` : ''}`, codec, load);
    },

    async bumpGeneration(scope: string): Promise<void> {
      try {
        await redis.incr(fullKey(`gen:${scope}`));
      } catch (error) {
        log.warn({ err: error, scope }, `cache generation bump failed; lists expire within ${ttlSeconds}s`);
      }
    },
  };
  return cache;
}

export type Cache = ReturnType<typeof createCache>;
