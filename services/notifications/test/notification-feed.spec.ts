import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code, RpcError } from '../../../platform/errors';
import { newEnvelope } from '../../../platform/events/envelope';
import { until } from '../../../test/support/poll';
import { metricValue } from '../../../test/support/rpc-fixtures';
import {
  aPaymentFailed,
  aPaymentRefunded,
  anOrderCancelled,
  anOrderCreated,
  anOrderPaid,
  aUserRegistered,
  createEventBus,
  eur,
  listAll,
  untilFeedHas,
  type EventBus,
  type RunningNotifications,
} from './notifications-fixture';
import { startServiceUnderTest } from '../../../test/support/service-under-test';
import { notificationsService } from '../src/service';

describe('notifications: the feed of business events', function () {
  this.timeout(60_000);
  let notifications: RunningNotifications;
  let bus: EventBus;

  before(async () => {
    notifications = await startServiceUnderTest(notificationsService);
    bus = createEventBus(notifications.config);
  });

  after(async () => {
    await bus?.close();
    await notifications?.stop();
  });

  it('stores one notification per business event, with its text, for the user the event names', async () => {
    const userId = randomUUID();
    const auth = await notifications.as(userId);
    const orderId = randomUUID();
    const sentBefore = await metricValue('notifications_sent_total', { event_type: 'shop.orders.v1.OrderPaid' });
    const expected = new Map<string, { type: string; title: string; body: string }>();
    const publish = async (sending: Promise<{ id: string; type: string }>, title: string, body: string) => {
      const { id, type } = await sending;
      expected.set(id, { type, title, body });
    };
    await publish(bus.publish('UserRegistered', userId, aUserRegistered(userId, 'Ada Lovelace')), 'Welcome', 'Welcome to shopmesh, Ada Lovelace');
    await publish(
      bus.publish('OrderCreated', orderId, anOrderCreated(userId, { orderId, userDisplayName: 'Ada Lovelace' })),
      'Order received',
      `📩 Order ${orderId} confirmed for Ada Lovelace`,
    );
    await publish(
      bus.publish('OrderPaid', orderId, anOrderPaid(userId, { orderId, total: eur('1250') })),
      'Payment received',
      `Payment received for order ${orderId}: 12.50 EUR`,
    );
    await publish(
      bus.publish('PaymentFailed', orderId, aPaymentFailed(userId, { orderId, reason: 'card declined' })),
      'Payment failed',
      `Payment failed for order ${orderId}: card declined`,
    );
    await publish(
      bus.publish('OrderCancelled', orderId, anOrderCancelled(userId, { orderId, wasPaid: true })),
      'Order cancelled',
      `Order ${orderId} cancelled; a refund is on its way`,
    );
    await publish(
      bus.publish('PaymentRefunded', orderId, aPaymentRefunded(userId, { orderId, amount: eur('990') })),
      'Refund issued',
      `Refund of 9.90 EUR issued for order ${orderId}`,
    );

    const feed = await untilFeedHas(notifications.client, auth, 6);
    assert.equal(feed.length, 6);
    for (const notification of feed) {
      assert.equal(notification.userId, userId);
      assert.match(notification.id, /^[0-9a-f-]{36}$/);
      assert.ok(notification.createdAt instanceof Date);
      const want = expected.get(notification.eventId);
      assert.ok(want, `a notification for an event that was not sent: ${notification.eventId}`);
      assert.deepEqual({ type: notification.eventType, title: notification.title, body: notification.body }, want);
    }
    assert.deepEqual(new Set(feed.map((n) => n.eventId)), new Set(expected.keys()));
    // At least: the counter is per process, and other suites' events of this run may be counted too.
    assert.ok((await metricValue('notifications_sent_total', { event_type: 'shop.orders.v1.OrderPaid' })) >= sentBefore + 1);
  });

  it('lists newest first, a page at a time, with no repeats and no gaps', async () => {
    const userId = randomUUID();
    const auth = await notifications.as(userId);
    const sent: string[] = [];
    // One at a time, so each is stored after the previous one and the expected order is known.
    for (let n = 1; n <= 5; n += 1) {
      const orderId = randomUUID();
      sent.push((await bus.publish('OrderPaid', orderId, anOrderPaid(userId, { orderId }))).id);
      await untilFeedHas(notifications.client, auth, n);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    const pages: string[][] = [];
    let pageToken = '';
    do {
      const page = await notifications.client.listNotifications({ pageSize: 2, pageToken }, auth);
      pages.push(page.notifications.map((n) => n.eventId));
      pageToken = page.nextPageToken;
    } while (pageToken && pages.length < 10);
    assert.deepEqual(
      pages.map((p) => p.length),
      [2, 2, 1],
    );
    assert.deepEqual(pages.flat(), [...sent].reverse());
    assert.deepEqual((await notifications.client.listNotifications({ pageSize: 0, pageToken: '' }, auth)).notifications.length, 5);
  });

  it('a notification written while a client pages is neither repeated nor skipping a row it had not seen', async () => {
    const userId = randomUUID();
    const auth = await notifications.as(userId);
    for (let n = 1; n <= 3; n += 1) {
      await bus.publish('OrderPaid', randomUUID(), anOrderPaid(userId));
      await untilFeedHas(notifications.client, auth, n);
    }
    const first = await notifications.client.listNotifications({ pageSize: 2, pageToken: '' }, auth);
    await bus.publish('OrderPaid', randomUUID(), anOrderPaid(userId));
    await untilFeedHas(notifications.client, auth, 4);
    const second = await notifications.client.listNotifications({ pageSize: 2, pageToken: first.nextPageToken }, auth);
    const all = await listAll(notifications.client, auth);
    assert.deepEqual(
      [...first.notifications, ...second.notifications].map((n) => n.id),
      all.slice(1).map((n) => n.id),
    );
    assert.equal(second.nextPageToken, '');
  });

  it('makes one notification of an event delivered twice, and counts the second as a duplicate', async () => {
    const userId = randomUUID();
    const auth = await notifications.as(userId);
    const group = notifications.config.NOTIFICATIONS_CONSUMER_GROUP;
    const duplicates = () => metricValue('events_consumed_total', { event_type: 'shop.orders.v1.OrderCreated', group, result: 'duplicate' });
    const before = await duplicates();
    const orderId = randomUUID();
    const envelope = newEnvelope('shop.orders.v1.OrderCreated', 'orders');
    await bus.publish('OrderCreated', orderId, anOrderCreated(userId, { orderId }), envelope);
    await bus.publish('OrderCreated', orderId, anOrderCreated(userId, { orderId }), envelope);

    await until('the second delivery to be seen as a duplicate', async () => (await duplicates()) === before + 1, { timeoutMs: 20_000 });
    const feed = await listAll(notifications.client, auth);
    assert.equal(feed.length, 1);
    assert.equal(feed[0].eventId, envelope.id);
  });

  it("never lists another user's notifications", async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    await bus.publish('UserRegistered', alice, aUserRegistered(alice, 'Alice'));
    await bus.publish('UserRegistered', bob, aUserRegistered(bob, 'Bob'));
    await bus.publish('OrderPaid', randomUUID(), anOrderPaid(bob));
    const bobs = await untilFeedHas(notifications.client, await notifications.as(bob), 2);
    const alices = await untilFeedHas(notifications.client, await notifications.as(alice), 1);
    assert.deepEqual(
      alices.map((n) => [n.userId, n.body]),
      [[alice, 'Welcome to shopmesh, Alice']],
    );
    assert.ok(bobs.every((n) => n.userId === bob));
  });

  it('refuses a page token from another user or one that was tampered with', async () => {
    const userId = randomUUID();
    const auth = await notifications.as(userId);
    for (let n = 1; n <= 2; n += 1) await bus.publish('OrderPaid', randomUUID(), anOrderPaid(userId));
    await untilFeedHas(notifications.client, auth, 2);
    const { nextPageToken } = await notifications.client.listNotifications({ pageSize: 1, pageToken: '' }, auth);
    assert.ok(nextPageToken);

    const refused = async (pageToken: string, as = auth) => {
      const error = await notifications.client.listNotifications({ pageSize: 1, pageToken }, as).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof RpcError, 'the call succeeded');
      assert.equal(error.code, Code.INVALID_ARGUMENT);
      assert.deepEqual(
        error.details.fieldViolations?.map((v) => v.field),
        ['page_token'],
      );
    };
    await refused(nextPageToken, await notifications.as(randomUUID()));
    await refused('not-a-token');
    const body = JSON.parse(Buffer.from(nextPageToken, 'base64url').toString());
    await refused(Buffer.from(JSON.stringify({ ...body, k: ['yesterday', 'x'] })).toString('base64url'));
  });

  it('bounds page_size and requires a caller', async () => {
    const tooBig = await notifications.client.listNotifications({ pageSize: 101, pageToken: '' }, await notifications.as(randomUUID())).then(
      () => undefined,
      (e: RpcError) => e,
    );
    assert.equal(tooBig?.code, Code.INVALID_ARGUMENT);
    const anonymous = await notifications.client.listNotifications({ pageSize: 1, pageToken: '' }).then(
      () => undefined,
      (e: RpcError) => e,
    );
    assert.equal(anonymous?.code, Code.UNAUTHENTICATED);
  });
});
