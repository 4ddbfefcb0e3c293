import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import pino from 'pino';
import { PermanentEventError, type EventHandler } from '../../../../platform/events/consumer';
import type { Envelope } from '../../../../platform/events/envelope';
import { registry } from '../../../../platform/metrics';
import type { Notification } from '../../../../gen/ts/shop/notifications/v1/notifications';
import type { OrderCreated } from '../../../../gen/ts/shop/orders/v1/events';
import type { NotificationRow, NotificationsStore } from '../store/notifications-store';
import { businessEventHandlers } from './business-events';

const ORDER = '6f1c1d0e-5d7a-4c43-9a57-2f6f4a2b9c10';
const USER = '0b0e7c1a-3f0e-4a53-8a61-4d7d4b8f3c22';

const orderCreated = (fields: Partial<OrderCreated> = {}): OrderCreated => ({
  orderId: ORDER,
  userId: USER,
  userDisplayName: 'Ada Lovelace',
  items: [],
  total: { currencyCode: 'EUR', amountMinor: '1250' },
  paymentToken: 'tok_ok',
  createdAt: new Date(),
  ...fields,
});
const envelope = (id: string): Envelope => ({ id, type: 'shop.orders.v1.OrderCreated', source: 'orders', time: new Date() });

/** A transaction whose outcome the test decides; the handler only writes through the fake store. */
function transaction(outcome: 'commit' | 'rollback') {
  const executionPromise = outcome === 'commit' ? Promise.resolve() : Promise.reject(new Error('rolled back'));
  executionPromise.catch(() => undefined);
  return { executionPromise } as unknown as Knex.Transaction;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

async function sentCount(eventType: string): Promise<number> {
  const metric = registry.getSingleMetric('notifications_sent_total');
  const values = metric ? (await metric.get()).values : [];
  return values.find((v) => v.labels.event_type === eventType)?.value ?? 0;
}

describe('business event handlers', () => {
  let rows: NotificationRow[];
  let published: Notification[];
  let logged: { level: string; msg: string; orderId?: string }[];
  let alreadyStored: boolean;
  let handle: EventHandler<OrderCreated>;

  beforeEach(() => {
    rows = [];
    published = [];
    logged = [];
    alreadyStored = false;
    const store = {
      insert: async (_trx: Knex.Transaction, row: NotificationRow) => {
        if (alreadyStored) return false;
        rows.push(row);
        return true;
      },
    } as unknown as NotificationsStore;
    const feed = { publish: async (notification: Notification) => void published.push(notification) };
    const log = pino({ level: 'info', formatters: { level: (label) => ({ level: label }) } }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    handle = businessEventHandlers({ store, feed, log }).OrderCreated as EventHandler<OrderCreated>;
  });

  it("stores the notification in the event's transaction, addressed to the event's user", async () => {
    await handle(orderCreated(), envelope('e-1'), transaction('commit'));
    assert.equal(rows.length, 1);
    assert.deepEqual(
      { ...rows[0], id: undefined, created_at: undefined },
      {
        id: undefined,
        user_id: USER,
        event_id: 'e-1',
        event_type: 'shop.orders.v1.OrderCreated',
        title: 'Order received',
        body: `📩 Order ${ORDER} confirmed for Ada Lovelace`,
        created_at: undefined,
      },
    );
  });

  it('once committed, logs the seed-002 line, counts it and offers it to live watchers', async () => {
    const before = await sentCount('shop.orders.v1.OrderCreated');
    await handle(orderCreated(), envelope('e-2'), transaction('commit'));
    await settle();
    assert.deepEqual(
      logged.map((l) => [l.level, l.msg]),
      [['info', `📩 Order ${ORDER} confirmed for Ada Lovelace`]],
    );
    assert.equal(await sentCount('shop.orders.v1.OrderCreated'), before + 1);
    assert.equal(published.length, 1);
    assert.equal(published[0].id, rows[0].id);
    assert.equal(published[0].userId, USER);
  });

  it('shows nothing of a notification whose transaction rolled back', async () => {
    const before = await sentCount('shop.orders.v1.OrderCreated');
    await handle(orderCreated(), envelope('e-3'), transaction('rollback'));
    await settle();
    assert.deepEqual(logged, []);
    assert.deepEqual(published, []);
    assert.equal(await sentCount('shop.orders.v1.OrderCreated'), before);
  });

  it('does nothing more for an event that already has its notification', async () => {
    alreadyStored = true;
    await handle(orderCreated(), envelope('e-4'), transaction('commit'));
    await settle();
    assert.deepEqual(published, []);
    assert.deepEqual(logged, []);
  });

  it('refuses an event that names no user as permanent, so it is dead-lettered rather than retried', async () => {
    await assert.rejects(handle(orderCreated({ userId: '' }), envelope('e-5'), transaction('commit')), (error: unknown) => {
      assert.ok(error instanceof PermanentEventError);
      assert.match(error.message, /e-5: the event names no user/);
      return true;
    });
    assert.deepEqual(rows, []);
  });
});
