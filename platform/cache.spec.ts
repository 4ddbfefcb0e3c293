import assert from 'node:assert/strict';
import type Redis from 'ioredis';
import { createCache, type Codec } from './cache';
import { createLogger } from './logger';

const log = createLogger('cache-unit', 'silent');
const text: Codec<string> = { encode: (value) => Buffer.from(value), decode: (bytes) => Buffer.from(bytes).toString() };

/** The few Redis commands the cache uses, over a Map; `status` says whether it is up. */
function fakeRedis() {
  const data = new Map<string, string>();
  const redis = {
    status: 'ready',
    data,
    async get(key: string) {
      return data.get(key) ?? null;
    },
    async getBuffer(key: string) {
      const value = data.get(key);
      return value === undefined ? null : Buffer.from(value);
    },
    async mgetBuffer(...keys: string[]) {
      return keys.map((key) => (data.has(key) ? Buffer.from(data.get(key)!) : null));
    },
    /** FILL_IF_UNCHANGED: store KEYS[1] while KEYS[2] (the version) is still ARGV[3]. */
    async eval(_script: string, _keys: number, key: string, version: string, value: Buffer, _ttl: number, expected: string) {
      if ((data.get(version) ?? '') !== expected) return 0;
      data.set(key, value.toString());
      return 1;
    },
    async incr(key: string) {
      const next = Number(data.get(key) ?? '0') + 1;
      data.set(key, String(next));
      return next;
    },
  };
  return redis;
}

describe('generation-scoped cache (fake Redis)', () => {
  it('stores under <scope>:g<generation>[:<key>] and retires the whole scope with one bump', async () => {
    const redis = fakeRedis();
    const cache = createCache(redis as unknown as Redis, { name: 'unit', ttlSeconds: 60, log });
    let loads = 0;
    const load = (value: string) => async () => {
      loads += 1;
      return `${value}#${loads}`;
    };
    assert.equal(await cache.getOrLoadInGeneration('lists', 'p1', text, load('p1')), 'p1#1');
    assert.equal(await cache.getOrLoadInGeneration('lists', 'p1', text, load('p1')), 'p1#1');
    assert.equal(await cache.getOrLoadInGeneration('one', '', text, load('one')), 'one#2');
    assert.deepEqual([...redis.data.keys()].sort(), ['unit:lists:g0:p1', 'unit:one:g0']);
    await cache.bumpGeneration('lists');
    assert.equal(redis.data.get('unit:gen:lists'), '1');
    assert.equal(await cache.getOrLoadInGeneration('lists', 'p1', text, load('p1')), 'p1#3');
    assert.equal(await cache.getOrLoadInGeneration('one', '', text, load('one')), 'one#2', 'other scopes keep their entries');
  });

  it('loads every time and stores nothing while Redis is down', async () => {
    const redis = fakeRedis();
    redis.status = 'reconnecting';
    const cache = createCache(redis as unknown as Redis, { name: 'unit', ttlSeconds: 60, log });
    let loads = 0;
    const load = async () => `v${++loads}`;
    assert.equal(await cache.getOrLoadInGeneration('lists', 'p1', text, load), 'v1');
    assert.equal(await cache.getOrLoadInGeneration('lists', 'p1', text, load), 'v2');
    assert.equal(redis.data.size, 0);
  });
});
