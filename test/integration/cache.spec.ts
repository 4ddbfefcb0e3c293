import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { createCache, openRedis, type Codec } from '../../platform/cache';
import { createLogger } from '../../platform/logger';
import { timed, until } from '../support/poll';
import { metricValue } from '../support/rpc-fixtures';

const log = createLogger('cache-test', 'silent');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Product {
  id: string;
  name: string;
  priceCents: number;
}
const json: Codec<Product> = {
  encode: (value) => Buffer.from(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(Buffer.from(bytes).toString()) as Product,
};
const product = (id: string): Product => ({ id, name: `Product ${id}`, priceCents: 1299 });

/** A cache name of its own per test: keys and metric labels never collide across runs. */
const uniqueName = () => `test-${randomBytes(4).toString('hex')}`;
const requests = (cache: string, result: 'hit' | 'miss' | 'error') => metricValue('cache_requests_total', { cache, result });

describe('platform cache with real Redis', function () {
  this.timeout(10_000);

  let redis: Redis;
  const names: string[] = [];
  const newCache = (ttlSeconds = 60) => {
    const name = uniqueName();
    names.push(name);
    return { name, cache: createCache(redis, { name, ttlSeconds, log }) };
  };

  before(async () => {
    redis = openRedis(REDIS_URL, log);
    await until('redis to be ready', () => redis.status === 'ready');
  });

  after(async () => {
    for (const name of names) {
      const keys = await redis.keys(`${name}:*`);
      if (keys.length) await redis.del(...keys);
    }
    await redis?.quit();
  });

  it('loads on a miss, then answers from Redis, counting each', async () => {
    const { name, cache } = newCache();
    let loads = 0;
    const load = async () => {
      loads += 1;
      return product('p-1');
    };
    assert.deepEqual(await cache.getOrLoad('p-1', json, load), product('p-1'));
    assert.deepEqual(await cache.getOrLoad('p-1', json, load), product('p-1'));
    assert.deepEqual(await cache.getOrLoad('p-1', json, load), product('p-1'));
    assert.equal(loads, 1);
    assert.equal(await requests(name, 'miss'), 1);
    assert.equal(await requests(name, 'hit'), 2);
    assert.equal(await requests(name, 'error'), 0);
    assert.deepEqual(JSON.parse((await redis.get(`${name}:p-1`))!), product('p-1'));
  });

  it('stores entries with the TTL, jittered by at most 10 %', async () => {
    const { name, cache } = newCache(100);
    for (let i = 0; i < 5; i += 1) await cache.getOrLoad(`p-${i}`, json, async () => product(`p-${i}`));
    for (let i = 0; i < 5; i += 1) {
      const ttl = await redis.ttl(`${name}:p-${i}`);
      assert.ok(ttl >= 89 && ttl <= 110, `ttl ${ttl}`);
    }
  });

  it('calls the loader once for concurrent misses of one key', async () => {
    const { name, cache } = newCache();
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return product('hot');
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.getOrLoad('hot', json, load)));
    assert.equal(loads, 1);
    for (const result of results) assert.deepEqual(result, product('hot'));
    assert.equal(await requests(name, 'miss'), 20);
    // Other keys load on their own.
    await Promise.all([cache.getOrLoad('a', json, load), cache.getOrLoad('b', json, load)]);
    assert.equal(loads, 3);
  });

  it('shares a failed load with concurrent callers, caches nothing, and loads again next time', async () => {
    const { name, cache } = newCache();
    let loads = 0;
    const failing = async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('database down');
    };
    const outcomes = await Promise.allSettled([cache.getOrLoad('p-9', json, failing), cache.getOrLoad('p-9', json, failing)]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected'],
    );
    assert.equal(loads, 1);
    assert.equal(await redis.exists(`${name}:p-9`), 0);
    assert.deepEqual(await cache.getOrLoad('p-9', json, async () => product('p-9')), product('p-9'));
  });

  it('recovers from a loader that throws before returning a promise', async () => {
    const { cache } = newCache();
    const throwsAtOnce = (() => {
      throw new Error('bad key');
    }) as () => Promise<Product>;
    await assert.rejects(cache.getOrLoad('p-8', json, throwsAtOnce), /bad key/);
    assert.deepEqual(await cache.getOrLoad('p-8', json, async () => product('p-8')), product('p-8'));
  });

  it('does not cache undefined (nothing found)', async () => {
    const { name, cache } = newCache();
    let loads = 0;
    const missing = async () => {
      loads += 1;
      return undefined;
    };
    assert.equal(await cache.getOrLoad('ghost', json as Codec<Product | undefined>, missing), undefined);
    assert.equal(await cache.getOrLoad('ghost', json as Codec<Product | undefined>, missing), undefined);
    assert.equal(loads, 2);
    assert.equal(await redis.exists(`${name}:ghost`), 0);
  });

  it('serves a cached value that encodes to zero bytes as a hit', async () => {
    const { name, cache } = newCache();
    const empty: Codec<string> = { encode: (v) => Buffer.from(v), decode: (b) => Buffer.from(b).toString() };
    let loads = 0;
    const load = async () => {
      loads += 1;
      return '';
    };
    assert.equal(await cache.getOrLoad('blank', empty, load), '');
    assert.equal(await cache.getOrLoad('blank', empty, load), '');
    assert.equal(loads, 1);
    assert.equal(await requests(name, 'hit'), 1);
  });

  it('loads again after invalidate, for every key named', async () => {
    const { name, cache } = newCache();
    let version = 1;
    const load = (id: string) => async () => ({ ...product(id), priceCents: version });
    await cache.getOrLoad('p-1', json, load('p-1'));
    await cache.getOrLoad('p-2', json, load('p-2'));
    await cache.getOrLoad('p-3', json, load('p-3'));
    version = 2;
    await cache.invalidate('p-1', 'p-2');
    assert.equal((await cache.getOrLoad('p-1', json, load('p-1'))).priceCents, 2);
    assert.equal((await cache.getOrLoad('p-2', json, load('p-2'))).priceCents, 2);
    assert.equal((await cache.getOrLoad('p-3', json, load('p-3'))).priceCents, 1, 'a key not invalidated stays');
    assert.equal(await redis.exists(`${name}:p-3`), 1);
    await cache.invalidate();
  });

  it('does not store a load that raced an invalidation: the next read loads again', async () => {
    const { name, cache } = newCache();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The loader reads the old row, then a write commits and invalidates, then the loader finishes.
    const stale = cache.getOrLoad('p-1', json, async () => {
      await gate;
      return { ...product('p-1'), priceCents: 1 };
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await cache.invalidate('p-1');
    release();
    assert.equal((await stale).priceCents, 1, 'the caller that asked before the write gets what it loaded');
    assert.equal(await redis.exists(`${name}:p-1`), 0, 'but it is not cached');
    assert.equal((await cache.getOrLoad('p-1', json, async () => ({ ...product('p-1'), priceCents: 2 }))).priceCents, 2);
    assert.equal((await cache.getOrLoad('p-1', json, async () => ({ ...product('p-1'), priceCents: 3 }))).priceCents, 2, 'a load after the write is cached');
    await cache.invalidate('p-1');
  });

  it('retires derived keys at once by bumping a generation', async () => {
    const { cache } = newCache();
    assert.equal(await cache.generation('lists'), '0');
    let loads = 0;
    const page = async () => {
      loads += 1;
      return product(`page-${loads}`);
    };
    const listKey = async () => `list:${await cache.generation('lists')}:page-1`;
    assert.equal((await cache.getOrLoad(await listKey(), json, page)).id, 'page-1');
    assert.equal((await cache.getOrLoad(await listKey(), json, page)).id, 'page-1');
    await cache.bumpGeneration('lists');
    assert.equal(await cache.generation('lists'), '1');
    assert.equal((await cache.getOrLoad(await listKey(), json, page)).id, 'page-2');
    assert.equal(await cache.generation('other-scope'), '0', 'scopes are independent');
  });

  it('caches under a scope’s generation with getOrLoadInGeneration, retired by one bump', async () => {
    const { name, cache } = newCache();
    let loads = 0;
    const page = (key: string) => async () => {
      loads += 1;
      return product(`${key}-${loads}`);
    };
    assert.equal((await cache.getOrLoadInGeneration('lists', 'page-1', json, page('page-1'))).id, 'page-1-1');
    assert.equal((await cache.getOrLoadInGeneration('lists', 'page-1', json, page('page-1'))).id, 'page-1-1', 'a hit');
    assert.equal((await cache.getOrLoadInGeneration('lists', 'page-2', json, page('page-2'))).id, 'page-2-2');
    assert.equal((await cache.getOrLoadInGeneration('other', '', json, page('other'))).id, 'other-3');
    assert.equal(await redis.exists(`${name}:lists:g0:page-1`, `${name}:other:g0`), 2, 'keys say scope, generation and key');
    await cache.bumpGeneration('lists');
    assert.equal((await cache.getOrLoadInGeneration('lists', 'page-1', json, page('page-1'))).id, 'page-1-4', 'retired by the bump');
    assert.equal((await cache.getOrLoadInGeneration('lists', 'page-2', json, page('page-2'))).id, 'page-2-5');
    assert.equal((await cache.getOrLoadInGeneration('other', '', json, page('other'))).id, 'other-3', 'another scope stays');
  });

  describe('while Redis is down', () => {
    let down: Redis;

    before(() => {
      // Nothing listens on 6390.
      down = openRedis('redis://127.0.0.1:6390', log);
    });

    after(() => {
      down?.disconnect();
    });

    it('still returns the loaded value, counts an error, and does not wait', async () => {
      const name = uniqueName();
      const cache = createCache(down, { name, ttlSeconds: 60, log });
      let loads = 0;
      const { ms, result } = await timed(async () => {
        const first = await cache.getOrLoad('p-1', json, async () => {
          loads += 1;
          return product('p-1');
        });
        const second = await cache.getOrLoad('p-1', json, async () => {
          loads += 1;
          return product('p-1');
        });
        return [first, second];
      });
      assert.equal(result.status, 'fulfilled');
      assert.deepEqual((result as PromiseFulfilledResult<Product[]>).value, [product('p-1'), product('p-1')]);
      assert.equal(loads, 2);
      assert.equal(await requests(name, 'error'), 2);
      assert.equal(await requests(name, 'miss'), 0);
      assert.ok(ms < 500, `took ${ms} ms`);
    });

    it('still returns the loaded value once Redis has failed to connect', async () => {
      await until('the connection attempt to fail', () => down.status !== 'connecting' && down.status !== 'wait');
      const name = uniqueName();
      const cache = createCache(down, { name, ttlSeconds: 60, log });
      const { ms, result } = await timed(() => cache.getOrLoad('p-2', json, async () => product('p-2')));
      assert.equal(result.status, 'fulfilled');
      assert.ok(ms < 500, `took ${ms} ms`);
      assert.equal(await requests(name, 'error'), 1);
    });

    it('loads without caching under a generation it cannot read', async () => {
      const name = uniqueName();
      const cache = createCache(down, { name, ttlSeconds: 60, log });
      let loads = 0;
      const load = async () => {
        loads += 1;
        return product('p-3');
      };
      const { ms, result } = await timed(async () => [
        await cache.getOrLoadInGeneration('lists', 'page-1', json, load),
        await cache.getOrLoadInGeneration('lists', 'page-1', json, load),
      ]);
      assert.equal(result.status, 'fulfilled');
      assert.deepEqual((result as PromiseFulfilledResult<Product[]>).value, [product('p-3'), product('p-3')]);
      assert.equal(loads, 2);
      assert.ok(ms < 1_000, `took ${ms} ms`);
    });

    it('lets invalidation and generations fail quietly and quickly', async () => {
      const cache = createCache(down, { name: uniqueName(), ttlSeconds: 60, log });
      const { ms, result } = await timed(async () => {
        await cache.invalidate('p-1');
        await cache.bumpGeneration('lists');
        return cache.generation('lists');
      });
      assert.equal(result.status, 'fulfilled');
      assert.equal((result as PromiseFulfilledResult<string | undefined>).value, undefined);
      assert.ok(ms < 1_000, `took ${ms} ms`);
    });
  });
});
