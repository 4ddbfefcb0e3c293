import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { clientAddress, createSharedRateLimiter } from './rate-limit';

describe('rate limit: who the client is, and one bucket for every replica', () => {
  it('reads the client from the trusted hops counted from the right, never from what the client wrote', () => {
    assert.equal(clientAddress('6.6.6.6', '10.0.0.5', 0), '10.0.0.5', 'no trusted proxy: the peer');
    assert.equal(clientAddress('6.6.6.6, 203.0.113.7', '10.0.0.5', 1), '203.0.113.7', 'the entry our proxy appended');
    assert.equal(clientAddress('1.1.1.1, 2.2.2.2, 203.0.113.7, 10.1.1.1', '10.0.0.5', 2), '203.0.113.7');
    assert.equal(clientAddress(undefined, '10.0.0.5', 1), '10.0.0.5', 'no header: the peer');
    assert.equal(clientAddress('203.0.113.7', '10.0.0.5', 2), '10.0.0.5', 'fewer entries than hops: the peer');
  });

  it('shares the bucket between two limiters (two replicas) through Redis, and falls back when Redis is gone', async () => {
    const a = new Redis('redis://127.0.0.1:6379', { lazyConnect: false });
    const b = new Redis('redis://127.0.0.1:6379', { lazyConnect: false });
    try {
      const prefix = `test:ratelimit:${randomUUID()}:`;
      const replicaA = createSharedRateLimiter(a, { ratePerSecond: 1, burst: 3, prefix });
      const replicaB = createSharedRateLimiter(b, { ratePerSecond: 1, burst: 3, prefix });
      const decisions = [await replicaA.take('c'), await replicaB.take('c'), await replicaA.take('c'), await replicaB.take('c')];
      assert.deepEqual(
        decisions.map((d) => d.allowed),
        [true, true, true, false],
      );
      assert.equal((decisions[3] as { retryAfterSeconds: number }).retryAfterSeconds, 1);
      assert.equal((await replicaB.take('other')).allowed, true);

      let failures = 0;
      const broken = createSharedRateLimiter(
        { eval: () => Promise.reject(new Error('down')) },
        { ratePerSecond: 1, burst: 1, prefix, onError: () => failures++ },
      );
      assert.equal((await broken.take('c')).allowed, true);
      assert.equal((await broken.take('c')).allowed, false, 'the local bucket still limits');
      assert.equal(failures, 2);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
