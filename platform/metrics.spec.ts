import assert from 'node:assert/strict';
import { counter, gauge, histogram, LATENCY_BUCKETS, prom, registry } from './metrics';

describe('platform/metrics helpers', () => {
  const names = ['test_helper_total', 'test_helper_seconds', 'test_helper_value', 'test_helper_gauge'];
  after(() => names.forEach((name) => registry.removeSingleMetric(name)));

  it('registers a metric once: a second definition of the name gets the first one', () => {
    const first = counter('test_helper_total', 'A test counter.', ['kind']);
    const again = counter('test_helper_total', 'A test counter.', ['kind']);
    assert.equal(again, first);
    assert.equal(registry.getSingleMetric('test_helper_total'), first);
  });

  it('gives latency histograms the latency buckets and trace exemplars on request', async () => {
    const latency = histogram('test_helper_seconds', 'A test latency.', ['route'], { exemplars: true });
    const exemplars = (metric: object) => (metric as { enableExemplars?: boolean }).enableExemplars === true;
    assert.equal(exemplars(latency), true);
    latency.startTimer({ route: '/a' })();
    const { values } = await latency.get();
    assert.deepEqual(
      values.filter((v) => v.metricName === 'test_helper_seconds_bucket').map((v) => (v.labels as { le?: unknown }).le),
      [...LATENCY_BUCKETS, '+Inf'],
    );
    const plain = histogram('test_helper_value', 'A test value.', [], { buckets: [1, 10] });
    assert.ok(plain instanceof prom.Histogram);
    assert.equal(exemplars(plain), false);
    plain.observe(5);
    assert.equal((await plain.get()).values.find((v) => (v.labels as { le?: unknown }).le === 10)?.value, 1);
  });

  it('computes a gauge at scrape time with its collect function', async () => {
    let calls = 0;
    gauge('test_helper_gauge', 'A test gauge.', [], {
      collect() {
        this.set(++calls);
      },
    });
    assert.match(await registry.getSingleMetricAsString('test_helper_gauge'), /^test_helper_gauge\S* 1$/m);
    assert.match(await registry.getSingleMetricAsString('test_helper_gauge'), /^test_helper_gauge\S* 2$/m);
  });
});
