import { strict as assert } from 'node:assert';
import { useEdge, type Edge } from './edge-client';

/** How many requests to fire at once: more than the edge's burst (gateway 100 by default, Envoy's bucket 200). */
const VOLLEY = Number(process.env.EDGE_RATE_LIMIT_VOLLEY ?? 400);
/** How long an emptied bucket takes to fill again, with a margin. */
const REFILL_MS = Number(process.env.EDGE_RATE_LIMIT_REFILL_MS ?? 3_000);

describe('edge: rate limit per client', function () {
  this.timeout(120_000);
  let edge: Edge;

  before(async () => {
    edge = await useEdge();
  });

  // Every suite calls from this one address (the platform's buckets are its own: GATEWAY_RATE_LIMIT_KEY_PREFIX):
  // leave the bucket full for the suites after this one (100 tokens at 50/s, on both edges).
  after(() => new Promise((resolve) => setTimeout(resolve, REFILL_MS)));

  it('answers a client over its limit with 429, Retry-After and a JSON status, then lets it back in', async () => {
    const responses = await Promise.all(Array.from({ length: VOLLEY }, () => edge.request('GET', '/v1/rate-limit-probe')));
    const limited = responses.filter((r) => r.status === 429);
    assert.ok(limited.length > 0, `no 429 among ${VOLLEY} requests fired at once`);
    assert.ok(
      responses.every((r) => r.status === 404 || r.status === 429),
      'every other request is answered normally',
    );
    const retryAfter = Number(limited[0].headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${limited[0].headers.get('retry-after')}`);
    assert.equal(limited[0].json?.code, 8);

    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    const deadline = Date.now() + 15_000;
    let status = 429;
    while (status === 429 && Date.now() < deadline) {
      status = (await edge.request('GET', '/v1/categories')).status;
      if (status === 429) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(status, 200, 'the client is let back in once its bucket refills');
  });

  it('still limits a client that writes a different X-Forwarded-For on every request (spoofed leftmost entries)', async () => {
    // Give the first test's bucket time to refill, then spend a fresh one with a new lie each time.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const responses = await Promise.all(
      Array.from({ length: VOLLEY }, (_, i) =>
        edge.request('GET', '/v1/rate-limit-probe', { headers: { 'x-forwarded-for': `198.51.100.${i % 250}, 203.0.113.${i % 200}` } }),
      ),
    );
    assert.ok(
      responses.some((r) => r.status === 429),
      `no 429 among ${VOLLEY} requests that each claimed another address`,
    );
  });
});
