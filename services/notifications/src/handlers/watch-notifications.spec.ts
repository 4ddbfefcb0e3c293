import { strict as assert } from 'node:assert';
import { Code, RpcError } from '../../../../platform/errors';
import type { StreamContext } from '../../../../platform/rpc/context';
import type { WatchNotificationsResponse } from '../../../../gen/ts/shop/notifications/v1/notifications';
import { createWatchQuota } from '../domain/watch-quota';
import { watchNotificationsHandler } from './watch-notifications';

/** A feed with nothing to say: it waits until its signal aborts. */
const quietFeed = {
  async *watch(_userId: string, signal: AbortSignal) {
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  },
};

function streamContext(expiresAt: Date, signal = new AbortController().signal) {
  return {
    identity: { userId: 'u-1', roles: ['customer'], expiresAt },
    signal,
    send: async () => undefined,
  } as unknown as StreamContext<WatchNotificationsResponse>;
}

describe('WatchNotifications', () => {
  it("ends the stream UNAUTHENTICATED when the caller's token expires", async () => {
    const watch = watchNotificationsHandler(quietFeed, createWatchQuota({ perUser: 5, total: 10 }));
    const started = Date.now();
    await assert.rejects(
      watch({}, streamContext(new Date(Date.now() + 50))),
      (error: unknown) => error instanceof RpcError && error.code === Code.UNAUTHENTICATED,
    );
    assert.ok(Date.now() - started < 2_000);
  });

  it('refuses a watch beyond the per-user cap with RESOURCE_EXHAUSTED, and frees the slot when a stream ends', async () => {
    const quota = createWatchQuota({ perUser: 1, total: 10 });
    const watch = watchNotificationsHandler(quietFeed, quota);
    const leave = new AbortController();
    const first = watch({}, streamContext(new Date(Date.now() + 60_000), leave.signal));
    await assert.rejects(
      watch({}, streamContext(new Date(Date.now() + 60_000))),
      (error: unknown) => error instanceof RpcError && error.code === Code.RESOURCE_EXHAUSTED,
    );
    leave.abort();
    await first;
    assert.equal(quota.total, 0);
  });
});
