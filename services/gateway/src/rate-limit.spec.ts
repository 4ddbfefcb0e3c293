import { strict as assert } from 'node:assert';
import { createRateLimiter } from './rate-limit';

describe('rate limit: a token bucket per client', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('allows a burst, then refuses with the seconds until the next token', () => {
    const limiter = createRateLimiter({ ratePerSecond: 2, burst: 3, now: clock });
    for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take('a'), { allowed: true });
    assert.deepEqual(limiter.take('a'), { allowed: false, retryAfterSeconds: 1 });
    const slow = createRateLimiter({ ratePerSecond: 0.1, burst: 1, now: clock });
    slow.take('a');
    assert.deepEqual(slow.take('a'), { allowed: false, retryAfterSeconds: 10 });
  });

  it('refills at the configured rate, never above the burst', () => {
    const limiter = createRateLimiter({ ratePerSecond: 2, burst: 3, now: clock });
    for (let i = 0; i < 3; i++) limiter.take('a');
    now += 500;
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
    now += 60_000;
    for (let i = 0; i < 3; i++) assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
  });

  it('keeps clients apart', () => {
    const limiter = createRateLimiter({ ratePerSecond: 1, burst: 1, now: clock });
    assert.equal(limiter.take('10.0.0.1').allowed, true);
    assert.equal(limiter.take('10.0.0.1').allowed, false);
    assert.equal(limiter.take('10.0.0.2').allowed, true);
  });

  it('forgets the least recently seen client beyond maxClients', () => {
    const limiter = createRateLimiter({ ratePerSecond: 1, burst: 1, maxClients: 2, now: clock });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c'); // evicts a
    assert.equal(limiter.take('a').allowed, true, 'an evicted client starts with a full bucket');
    assert.equal(limiter.take('c').allowed, false);
  });
});
