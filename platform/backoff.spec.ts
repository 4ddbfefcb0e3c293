import assert from 'node:assert/strict';
import { backoffDelay } from './backoff';

describe('platform/backoff', () => {
  const policy = { initialMs: 100, maxMs: 1_000 };

  it('doubles the bound per retry up to the cap', () => {
    const bounds = [0, 1, 2, 3, 4, 10, 2_000].map((retry) => backoffDelay(retry, { ...policy, jitter: 'none' }));
    assert.deepEqual(bounds, [100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('draws a full-jitter wait anywhere up to the bound', () => {
    assert.equal(
      backoffDelay(2, policy, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(2, policy, () => 0.5),
      200,
    );
    assert.ok(backoffDelay(2, policy, () => 0.999) < 400);
  });

  it('keeps an equal-jitter wait in the upper half of the bound', () => {
    assert.equal(
      backoffDelay(1, { ...policy, jitter: 'equal' }, () => 0),
      100,
    );
    assert.equal(
      backoffDelay(1, { ...policy, jitter: 'equal' }, () => 1),
      200,
    );
  });

  it('takes another growth factor', () => {
    assert.equal(backoffDelay(1, { initialMs: 50, maxMs: 500, multiplier: 4, jitter: 'none' }), 200);
  });
});
