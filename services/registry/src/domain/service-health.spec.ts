import assert from 'node:assert/strict';
import { HealthStatus } from '../../../../gen/ts/shop/registry/v1/registry';
import { healthOf, summarizeService } from './service-health';

const { HEALTH_STATUS_SERVING: SERVING, HEALTH_STATUS_NOT_SERVING: NOT_SERVING, HEALTH_STATUS_UNREACHABLE: UNREACHABLE } = HealthStatus;

describe('registry domain: service health', () => {
  it('reads a probe: SERVING serves, any other answer does not, no answer is UNREACHABLE', () => {
    assert.equal(healthOf('SERVING'), SERVING);
    assert.equal(healthOf('NOT_SERVING'), NOT_SERVING);
    assert.equal(healthOf('SERVICE_UNKNOWN'), NOT_SERVING);
    assert.equal(healthOf(undefined), UNREACHABLE);
  });

  it('calls a service SERVING while one instance serves, counting the healthy ones', () => {
    assert.deepEqual(summarizeService([SERVING, UNREACHABLE]), { status: SERVING, healthy: 1, total: 2 });
  });

  it('calls a service NOT_SERVING when instances answer but none serves', () => {
    assert.deepEqual(summarizeService([NOT_SERVING, UNREACHABLE]), { status: NOT_SERVING, healthy: 0, total: 2 });
  });

  it('calls a service UNREACHABLE when no instance answers', () => {
    assert.deepEqual(summarizeService([UNREACHABLE, UNREACHABLE]), { status: UNREACHABLE, healthy: 0, total: 2 });
  });
});
