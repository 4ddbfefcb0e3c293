/**
 * The shared rate limit on a real Redis: replicas of one deployment (one key
 * prefix) spend from one bucket per client; another deployment on the same
 * Redis (its own GATEWAY_RATE_LIMIT_KEY_PREFIX) has buckets of its own.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../../../platform/config';
import { gatewayConfig } from '../src/config';
import { createSharedRateLimiter } from '../src/rate-limit';

describe('gateway rate limit: buckets per deployment in a shared Redis', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  const run = randomUUID().slice(0, 8);
  const bucket = { ratePerSecond: 0.01, burst: 2 };
  const limiter = (prefix: string) => createSharedRateLimiter(redis, { ...bucket, prefix, onError: (error) => assert.fail(String(error)) });

  after(async () => {
    const keys = await redis.keys(`test-${run}-*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('defaults to gateway:ratelimit: and refuses a prefix that could not be a key part', () => {
    assert.equal(loadConfig(gatewayConfig, {}).GATEWAY_RATE_LIMIT_KEY_PREFIX, 'gateway:ratelimit:');
    assert.throws(() => loadConfig(gatewayConfig, { GATEWAY_RATE_LIMIT_KEY_PREFIX: 'a b' }), /GATEWAY_RATE_LIMIT_KEY_PREFIX/);
  });

  it('shares one bucket between replicas of a deployment, and none with another deployment', async () => {
    const replicaA = limiter(`test-${run}-prod:`);
    const replicaB = limiter(`test-${run}-prod:`);
    const otherDeployment = limiter(`test-${run}-e2e:`);
    assert.equal((await replicaA.take('10.0.0.1')).allowed, true);
    assert.equal((await replicaB.take('10.0.0.1')).allowed, true);
    assert.equal((await replicaA.take('10.0.0.1')).allowed, false, 'the replicas spent one bucket of 2');
    assert.equal((await otherDeployment.take('10.0.0.1')).allowed, true, 'the other deployment has its own');
    assert.deepEqual((await redis.keys(`test-${run}-*`)).sort(), [`test-${run}-e2e:10.0.0.1`, `test-${run}-prod:10.0.0.1`]);
  });
});
