import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { CallOptions, TypedClient } from '../../../platform/client';
import type { EventPayload } from '../../../platform/events/catalog';
import type { Money } from '../../../gen/ts/shop/common/v1/money';
import type { Notification, NotificationsServiceService } from '../../../gen/ts/shop/notifications/v1/notifications';
import { until } from '../../../test/support/poll';
import type { ServiceUnderTest } from '../../../test/support/service-under-test';
import type { notificationsService } from '../src/service';
import { feedChannel } from '../src/store/live-feed';

export type NotificationsClient = TypedClient<typeof NotificationsServiceService>;

/** The notifications service under test (test/support/service-under-test.ts). */
export type RunningNotifications = ServiceUnderTest<typeof notificationsService>;

/** The whole feed of a user, following page tokens. */
export async function listAll(client: NotificationsClient, auth: CallOptions, pageSize = 100): Promise<Notification[]> {
  const all: Notification[] = [];
  let pageToken = '';
  do {
    const page = await client.listNotifications({ pageSize, pageToken }, auth);
    all.push(...page.notifications);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

/** Waits until the user's feed holds `count` notifications (bounded), and returns it. */
export function untilFeedHas(client: NotificationsClient, auth: CallOptions, count: number, timeoutMs = 20_000): Promise<Notification[]> {
  return until(
    `${count} notification(s) in the feed`,
    async () => {
      const feed = await listAll(client, auth);
      return feed.length >= count && feed;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

export { createEventBus, type EventBus } from '../../../test/support/event-bus';

/** Payloads of the events notifications reacts to, for one user; override what a test is about. */
export const eur = (amountMinor: string): Money => ({ currencyCode: 'EUR', amountMinor });
export const aUserRegistered = (userId: string, displayName = 'Ada Lovelace'): EventPayload<'UserRegistered'> => ({
  userId,
  displayName,
  registeredAt: new Date(),
});
export const anOrderCreated = (userId: string, fields: Partial<EventPayload<'OrderCreated'>> = {}): EventPayload<'OrderCreated'> => ({
  orderId: randomUUID(),
  userId,
  userDisplayName: 'Ada Lovelace',
  items: [],
  total: eur('1250'),
  paymentToken: 'tok_visa_ok',
  createdAt: new Date(),
  ...fields,
});
export const anOrderPaid = (userId: string, fields: Partial<EventPayload<'OrderPaid'>> = {}): EventPayload<'OrderPaid'> => ({
  orderId: randomUUID(),
  userId,
  paymentId: randomUUID(),
  total: eur('1250'),
  paidAt: new Date(),
  ...fields,
});
export const aPaymentFailed = (userId: string, fields: Partial<EventPayload<'PaymentFailed'>> = {}): EventPayload<'PaymentFailed'> => ({
  paymentId: randomUUID(),
  orderId: randomUUID(),
  userId,
  amount: eur('1250'),
  reason: 'card declined',
  failedAt: new Date(),
  ...fields,
});
export const anOrderCancelled = (userId: string, fields: Partial<EventPayload<'OrderCancelled'>> = {}): EventPayload<'OrderCancelled'> => ({
  orderId: randomUUID(),
  userId,
  reason: 'changed my mind',
  wasPaid: false,
  cancelledAt: new Date(),
  ...fields,
});
export const aPaymentRefunded = (userId: string, fields: Partial<EventPayload<'PaymentRefunded'>> = {}): EventPayload<'PaymentRefunded'> => ({
  paymentId: randomUUID(),
  orderId: randomUUID(),
  userId,
  amount: eur('1250'),
  refundedAt: new Date(),
  ...fields,
});

/**
 * Subscriptions in Redis to a user's live channel, counted by Redis itself:
 * the proof that a watch is live (before producing what it should see) and
 * that nothing is left subscribed after it ended.
 */
export function redisProbe(url: string) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  return {
    async subscribers(userId: string): Promise<number> {
      const [, count] = (await redis.pubsub('NUMSUB', feedChannel(userId))) as [string, number];
      return Number(count);
    },
    async untilSubscribers(userId: string, expected: number, timeoutMs = 5_000): Promise<void> {
      await until(`${expected} Redis subscriber(s) of ${feedChannel(userId)}`, async () => (await this.subscribers(userId)) === expected, { timeoutMs });
    },
    /** Publishes raw bytes on a user's channel, as a broken or foreign publisher might. */
    publish: (userId: string, message: Buffer | string) => redis.publish(feedChannel(userId), message),
    close: () =>
      redis.quit().then(
        () => undefined,
        () => redis.disconnect(),
      ),
  };
}

/** Reads a server stream into an array in the background, until it ends, fails or is cancelled. */
export function watchInBackground(client: NotificationsClient, auth: CallOptions) {
  const controller = new AbortController();
  const received: Notification[] = [];
  const ended = (async () => {
    for await (const { notification } of client.watchNotifications({}, { ...auth, signal: controller.signal })) {
      if (notification) received.push(notification);
    }
  })().then(
    () => ({ error: undefined as unknown }),
    (error: unknown) => ({ error }),
  );
  return {
    received,
    /** Settles with how the stream ended: `error` is undefined for a clean end. */
    ended,
    cancel: () => controller.abort(),
    untilReceived: (count: number, timeoutMs = 20_000) => until(`${count} live notification(s)`, () => received.length >= count && received, { timeoutMs }),
  };
}
