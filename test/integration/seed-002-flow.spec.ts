import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { Notification } from '../../gen/ts/shop/notifications/v1/notifications';
import { OrderStatus } from '../../gen/ts/shop/orders/v1/orders';
import { startMesh, type Mesh } from '../support/mesh';
import { until } from '../support/poll';

/**
 * Seed 002 end to end: a shopper registers, logs in, browses, orders, pays
 * and is told so, in their feed and live on their stream, across five
 * services, the real broker and the real databases.
 */
describe('seed 002: register, order, pay, get notified', function () {
  this.timeout(90_000);
  let mesh: Mesh;

  before(async () => {
    mesh = await startMesh();
  });
  after(async () => mesh?.stop());

  type Auth = Parameters<Mesh['notifications']['listNotifications']>[1];

  /** An order of the first product of `category`, paid with `paymentToken`. */
  async function orderOne(category: string, paymentToken: string, auth: Auth) {
    const { products } = await mesh.catalog.listProducts({ pageSize: 5, pageToken: '', category, query: '' });
    const { order } = await mesh.orders.createOrder({ idempotencyKey: randomUUID(), paymentToken, items: [{ productId: products[0].id, quantity: 1 }] }, auth);
    return order!;
  }

  async function untilPaid(orderId: string, auth: Auth): Promise<void> {
    await until('the order to be paid', async () => (await mesh.orders.getOrder({ orderId }, auth)).order!.status === OrderStatus.ORDER_STATUS_PAID, {
      timeoutMs: 20_000,
    });
  }

  async function feed(auth: Auth): Promise<Notification[]> {
    return (await mesh.notifications.listNotifications({ pageSize: 100, pageToken: '' }, auth)).notifications;
  }

  it('notifies the shopper of the order and its payment, in the feed and live as it happens', async () => {
    const shopper = await mesh.shopper();
    // The welcome comes from UserRegistered.
    await until('the welcome notification', async () => (await feed(shopper.auth)).some((n) => n.eventType === 'shop.users.v1.UserRegistered'), {
      timeoutMs: 20_000,
    });

    const live: Notification[] = [];
    const watching = new AbortController();
    const stream = (async () => {
      for await (const { notification } of mesh.notifications.watchNotifications({}, { ...shopper.auth, signal: watching.signal })) {
        live.push(notification!);
      }
    })().catch(() => undefined);
    // The stream subscribes asynchronously; give it its first round trip before ordering.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const order = await orderOne('burgers', 'tok_visa', shopper.auth);
    await untilPaid(order.id, shopper.auth);

    const types = ['shop.orders.v1.OrderCreated', 'shop.orders.v1.OrderPaid'];
    await until('both notifications live on the stream', () => types.every((t) => live.some((n) => n.eventType === t)), { timeoutMs: 20_000 });
    watching.abort();
    await stream;

    const stored = await feed(shopper.auth);
    const confirmed = stored.find((n) => n.eventType === 'shop.orders.v1.OrderCreated')!;
    assert.equal(confirmed.body, `📩 Order ${order.id} confirmed for Test Shopper`);
    assert.ok(stored.some((n) => n.eventType === 'shop.orders.v1.OrderPaid' && n.body.includes(order.id)));
    const times = stored.map((n) => n.createdAt!.getTime());
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    assert.ok(
      live.every((n) => n.userId === shopper.userId),
      'only my notifications on my stream',
    );
  });

  it('tells the shopper when the card is declined', async () => {
    const shopper = await mesh.shopper();
    const order = await orderOne('drinks', 'tok_declined', shopper.auth);
    const failed = await until(
      'the payment-failed notification',
      async () => (await feed(shopper.auth)).find((n) => n.eventType === 'shop.payments.v1.PaymentFailed'),
      { timeoutMs: 20_000 },
    );
    assert.match(failed.body, new RegExp(`${order.id}.*declined`));
    assert.equal((await mesh.orders.getOrder({ orderId: order.id }, shopper.auth)).order!.status, OrderStatus.ORDER_STATUS_PAYMENT_FAILED);
  });

  it('tells the shopper of the refund when a paid order is cancelled', async () => {
    const shopper = await mesh.shopper();
    const order = await orderOne('pizzas', 'tok_visa', shopper.auth);
    await untilPaid(order.id, shopper.auth);
    await mesh.orders.cancelOrder({ orderId: order.id, reason: 'wrong address' }, shopper.auth);
    const refunded = await until(
      'the refund notification',
      async () => (await feed(shopper.auth)).find((n) => n.eventType === 'shop.payments.v1.PaymentRefunded'),
      { timeoutMs: 20_000 },
    );
    assert.match(refunded.body, new RegExp(order.id));
    assert.ok((await feed(shopper.auth)).some((n) => n.eventType === 'shop.orders.v1.OrderCancelled'));
  });
});
