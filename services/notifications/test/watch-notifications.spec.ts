import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, RpcError } from '../../../platform/errors';
import { timed } from '../../../test/support/poll';
import {
  anOrderCreated,
  anOrderPaid,
  createEventBus,
  listAll,
  redisProbe,
  untilFeedHas,
  watchInBackground,
  type EventBus,
  type RunningNotifications,
} from './notifications-fixture';
import { startServiceUnderTest } from '../../../test/support/service-under-test';
import { notificationsService } from '../src/service';

const codeOf = (error: unknown) => (error instanceof RpcError ? Code[error.code] : String(error));

describe('notifications: WatchNotifications', function () {
  this.timeout(60_000);
  let first: RunningNotifications;
  let bus: EventBus;
  let redis: ReturnType<typeof redisProbe>;

  before(async () => {
    first = await startServiceUnderTest(notificationsService);
    bus = createEventBus(first.config);
    redis = redisProbe(first.config.REDIS_URL);
  });

  after(async () => {
    await bus?.close();
    await redis?.close();
    await first?.stop();
  });

  it('streams each notification stored after the stream opened, to its owner only', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const alicesWatch = watchInBackground(first.client, await first.as(alice));
    const bobsWatch = watchInBackground(first.client, await first.as(bob));
    await redis.untilSubscribers(alice, 1);
    await redis.untilSubscribers(bob, 1);

    const bobsOrder = randomUUID();
    await bus.publish('OrderCreated', bobsOrder, anOrderCreated(bob, { orderId: bobsOrder, userDisplayName: 'Bob' }));
    const alicesOrder = randomUUID();
    const event = await bus.publish('OrderCreated', alicesOrder, anOrderCreated(alice, { orderId: alicesOrder, userDisplayName: 'Alice' }));

    const [live] = await alicesWatch.untilReceived(1);
    assert.equal(live.userId, alice);
    assert.equal(live.eventId, event.id);
    assert.equal(live.eventType, 'shop.orders.v1.OrderCreated');
    assert.equal(live.body, `📩 Order ${alicesOrder} confirmed for Alice`);
    // What the stream showed is what the feed stores.
    assert.deepEqual(await untilFeedHas(first.client, await first.as(alice), 1), [live]);
    await bobsWatch.untilReceived(1);

    alicesWatch.cancel();
    bobsWatch.cancel();
    await Promise.all([alicesWatch.ended, bobsWatch.ended]);
    assert.deepEqual(
      alicesWatch.received.map((n) => n.userId),
      [alice],
    );
    assert.deepEqual(
      bobsWatch.received.map((n) => n.body),
      [`📩 Order ${bobsOrder} confirmed for Bob`],
    );
  });

  it('starts empty: notifications stored before the stream opened are listed, not replayed', async () => {
    const userId = randomUUID();
    const auth = await first.as(userId);
    await bus.publish('OrderPaid', randomUUID(), anOrderPaid(userId));
    await untilFeedHas(first.client, auth, 1);
    const watch = watchInBackground(first.client, auth);
    await redis.untilSubscribers(userId, 1);
    const later = await bus.publish('OrderPaid', randomUUID(), anOrderPaid(userId));
    await watch.untilReceived(1);
    watch.cancel();
    await watch.ended;
    assert.deepEqual(
      watch.received.map((n) => n.eventId),
      [later.id],
    );
  });

  it('ends the stream and its Redis subscription when the client cancels', async () => {
    const userId = randomUUID();
    const watch = watchInBackground(first.client, await first.as(userId));
    await redis.untilSubscribers(userId, 1);
    watch.cancel();
    assert.equal(codeOf((await watch.ended).error), 'CANCELLED');
    await redis.untilSubscribers(userId, 0);
  });

  it('serves several streams of one user over one subscription, and keeps the others when one leaves', async () => {
    const userId = randomUUID();
    const auth = await first.as(userId);
    const [one, two] = [watchInBackground(first.client, auth), watchInBackground(first.client, auth)];
    await redis.untilSubscribers(userId, 1);
    // Both streams are live once both have seen a notification.
    const firstEvent = await bus.publish('OrderPaid', randomUUID(), anOrderPaid(userId));
    await Promise.all([one.untilReceived(1), two.untilReceived(1)]);
    assert.equal(await redis.subscribers(userId), 1);

    one.cancel();
    await one.ended;
    const secondEvent = await bus.publish('OrderPaid', randomUUID(), anOrderPaid(userId));
    await two.untilReceived(2);
    assert.equal(await redis.subscribers(userId), 1);
    assert.deepEqual(
      two.received.map((n) => n.eventId),
      [firstEvent.id, secondEvent.id],
    );
    assert.deepEqual(
      one.received.map((n) => n.eventId),
      [firstEvent.id],
    );

    two.cancel();
    await two.ended;
    await redis.untilSubscribers(userId, 0);
  });

  describe('with a second instance on the same database and consumer group', () => {
    let second: RunningNotifications;

    before(async () => {
      second = await startServiceUnderTest(notificationsService, {
        overrides: {
          NOTIFICATIONS_DB_NAME: first.config.NOTIFICATIONS_DB_NAME,
          NOTIFICATIONS_CONSUMER_GROUP: first.config.NOTIFICATIONS_CONSUMER_GROUP,
        },
      });
    });

    after(async () => {
      await second?.stop();
    });

    it('a watcher on either instance sees every notification, whichever instance consumed the event', async () => {
      const userId = randomUUID();
      const auth = await first.as(userId);
      const onFirst = watchInBackground(first.client, auth);
      const onSecond = watchInBackground(second.client, auth);
      // One subscribing connection per instance.
      await redis.untilSubscribers(userId, 2);
      // Orders of their own: keys spread the events over partitions, and so over both instances.
      const sent: string[] = [];
      for (let n = 0; n < 6; n += 1) sent.push((await bus.publish('OrderPaid', randomUUID(), anOrderPaid(userId))).id);

      await Promise.all([onFirst.untilReceived(6, 30_000), onSecond.untilReceived(6, 30_000)]);
      assert.deepEqual(new Set(onFirst.received.map((n) => n.eventId)), new Set(sent));
      assert.deepEqual(new Set(onSecond.received.map((n) => n.eventId)), new Set(sent));
      assert.equal((await listAll(second.client, auth)).length, 6);
      onFirst.cancel();
      onSecond.cancel();
      await Promise.all([onFirst.ended, onSecond.ended]);
      await redis.untilSubscribers(userId, 0);
    });

    it('ends its watch streams cleanly when it drains at shutdown, without waiting for the grace period', async () => {
      const userId = randomUUID();
      const watch = watchInBackground(second.client, await second.as(userId));
      await redis.untilSubscribers(userId, 1);
      let stopping: Promise<void> | undefined;
      const { ms, result } = await timed(async () => {
        stopping = second.stop();
        return (await watch.ended).error;
      });
      await stopping;
      assert.deepEqual(result, { status: 'fulfilled', value: undefined });
      assert.ok(ms < second.config.SHUTDOWN_GRACE_MS, `the stream ended ${ms} ms into the shutdown`);
      await redis.untilSubscribers(userId, 0);
    });
  });

  describe('without Redis', () => {
    let cut: RunningNotifications;

    before(async () => {
      // Nothing listens on port 1: Redis is down for this instance from the start.
      cut = await startServiceUnderTest(notificationsService, { overrides: { REDIS_URL: 'redis://127.0.0.1:1' } });
    });

    after(async () => {
      await cut?.stop();
    });

    it('ends a watch with UNAVAILABLE at once, while the feed itself still answers', async () => {
      const userId = randomUUID();
      const auth = await cut.as(userId);
      const { ms, result } = await timed(async () => (await watchInBackground(cut.client, auth).ended).error);
      assert.equal(result.status, 'fulfilled');
      assert.equal(codeOf((result as PromiseFulfilledResult<unknown>).value), 'UNAVAILABLE');
      assert.ok(ms < 3_000, `took ${ms} ms`);
      assert.deepEqual(await listAll(cut.client, auth), []);
    });
  });
});
