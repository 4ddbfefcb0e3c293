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
 */
export function createCache(redis: Redis, { name, ttlSeconds, log }: CacheOptions) {
  const inflight = new Map<string, Promise<unknown>>();
  const fullKey = (key: string) => `${name}:${key}`;
  const count = (result: 'hit' | 'miss' | 'error') => cacheMetrics.requests.inc({ cache: name, result });
  const ttl = () => Math.round(ttlSeconds * (0.9 + Math.random() * 0.2));
  const redisUp = () => redis.status === 'ready';

  async function read(key: string): Promise<Buffer | null | undefined> {
    if (!redisUp()) return undefined;
    try {
      return await redis.getBuffer(fullKey(key));
    } catch (error) {
      log.debug({ err: error, key }, 'cache read failed');
      return undefined;
    }
  }

  async function write(key: string, bytes: Uint8Array): Promise<void> {
    if (!redisUp()) return;
    try {
      await redis.set(fullKey(key), Buffer.from(bytes), 'EX', ttl());
    } catch (error) {
      log.debug({ err: error, key }, 'cache write failed');
    }
  }

  const cache = {
    async getOrLoad<T>(key: string, codec: Codec<T>, load: () => Promise<T>): Promise<T> {
      const cached = await read(key);
      if (cached) {
        count('hit');
        return codec.decode(cached);
      }
      count(cached === undefined ? 'error' : 'miss');
      const pending = inflight.get(key) as Promise<T> | undefined;
      if (pending) return pending;
      const loading = (async () => {
        const value = await load();
        if (value !== undefined) await write(key, codec.encode(value));
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
        await redis.del(...keys.map(fullKey));
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
