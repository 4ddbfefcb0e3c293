import assert from 'node:assert/strict';
import { mapBounded } from './bounded-parallel';

describe('registry probes: bounded parallelism', () => {
  it('keeps the order of the items and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapBounded([30, 10, 20, 5, 15], 2, async (ms) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running -= 1;
      return ms * 2;
    });
    assert.deepEqual(results, [60, 20, 40, 10, 30]);
    assert.equal(peak, 2);
  });

  it('handles no items', async () => {
    assert.deepEqual(await mapBounded([], 4, async () => 1), []);
  });
});
