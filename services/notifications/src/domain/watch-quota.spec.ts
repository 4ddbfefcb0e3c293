import { strict as assert } from 'node:assert';
import { Code, RpcError } from '../../../../platform/errors';
import { createWatchQuota } from './watch-quota';

const refusal = (reason: string) => (error: unknown) => error instanceof RpcError && error.code === Code.RESOURCE_EXHAUSTED && error.details.reason === reason;

describe('live watch quota', () => {
  it('refuses a user more watches than allowed, and lets one in again once a watch ends', () => {
    const quota = createWatchQuota({ perUser: 2, total: 10 });
    const first = quota.acquire('u-1');
    quota.acquire('u-1');
    assert.throws(() => quota.acquire('u-1'), refusal('TOO_MANY_WATCHES'));
    quota.acquire('u-2');
    first();
    first();
    quota.acquire('u-1');
    assert.equal(quota.total, 3);
  });

  it('refuses everyone beyond the total', () => {
    const quota = createWatchQuota({ perUser: 5, total: 2 });
    quota.acquire('u-1');
    quota.acquire('u-2');
    assert.throws(() => quota.acquire('u-3'), refusal('WATCH_CAPACITY_REACHED'));
  });
});
