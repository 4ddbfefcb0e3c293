import assert from 'node:assert/strict';
import { readCapped } from './capped-body';
import { createProbeCache } from './probe-cache';

describe('registry probes: cache and body cap', () => {
  it('shares a probe in flight and reuses its answer until it is older than the ttl', async () => {
    let clock = 0;
    let probes = 0;
    const cache = createProbeCache<number>(1_000, () => clock);
    const probe = async () => ++probes;
    assert.deepEqual(await Promise.all([cache.get('a', probe), cache.get('a', probe), cache.get('a', probe)]), [1, 1, 1]);
    clock = 999;
    assert.equal(await cache.get('a', probe), 1);
    clock = 1_000;
    assert.equal(await cache.get('a', probe), 2);
    cache.forgetAllBut(new Set());
    assert.equal(cache.peek('a'), undefined);
  });

  it('reads a body up to the cap and gives up past it', async () => {
    const body = (chunks: string[]) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      });
    assert.equal(await readCapped(body(['ab', 'cd']), 4), 'abcd');
    assert.equal(await readCapped(body(['ab', 'cde', 'never read']), 4), undefined);
  });
});
