import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import knex from 'knex';
import { Code } from '../../platform/errors';
import { OrderStatus, type Order } from '../../gen/ts/shop/orders/v1/orders';
import { PaymentStatus } from '../../gen/ts/shop/payments/v1/payments';
import { ordersService } from '../../services/orders/src/service';
import { startServiceUnderTest } from '../support/service-under-test';
import { startMesh, type Mesh, type Shopper } from '../support/mesh';
import { until } from '../support/poll';
import { rpcErrorOf } from '../support/rpc-error';

describe('the order flow: orders, payments and Kafka', function () {
  this.timeout(60_000);
  let mesh: Mesh;
  let shopper: Shopper;
  let burger: { id: string; amountMinor: string };
  let drink: { id: string; amountMinor: string };

  before(async () => {
    mesh = await startMesh();
    shopper = await mesh.shopper();
    const { products } = await mesh.catalog.listProducts({ pageSize: 100, pageToken: '', category: '', query: '' });
    const pick = (category: string) => {
      const p = products.find((x) => x.category === category && x.stock > 10)!;
      return { id: p.id, amountMinor: p.price!.amountMinor };
    };
    burger = pick('burgers');
    drink = pick('drinks');
  });
  after(async () => mesh?.stop());

  const order = (paymentToken = 'tok_visa', key = randomUUID()) =>
    mesh.orders.createOrder(
      {
        idempotencyKey: key,
        paymentToken,
        items: [
          { productId: burger.id, quantity: 2 },
          { productId: drink.id, quantity: 1 },
        ],
      },
      shopper.auth,
    );
  const statusOf = async (id: string) => (await mesh.orders.getOrder({ orderId: id }, shopper.auth)).order!;
  const until_status = (id: string, status: OrderStatus) =>
    until(`order ${id} to be ${OrderStatus[status]}`, async () => ((await statusOf(id)).status === status ? statusOf(id) : false), { timeoutMs: 20_000 });

  it('prices the order from the catalog and gets it paid', async () => {
    const { order: created } = await order();
    assert.equal(created!.status, OrderStatus.ORDER_STATUS_PENDING);
    const expected = BigInt(burger.amountMinor) * 2n + BigInt(drink.amountMinor);
    assert.equal(created!.total!.amountMinor, expected.toString());
    const paid = await until_status(created!.id, OrderStatus.ORDER_STATUS_PAID);
    assert.equal(paid.items.length, 2);
    const { payment } = await mesh.payments.getPayment({ orderId: created!.id }, shopper.auth);
    assert.equal(payment!.status, PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    assert.equal(payment!.amount!.amountMinor, expected.toString());
  });

  it('marks the order PAYMENT_FAILED when the card is declined', async () => {
    const { order: created } = await order('tok_declined');
    const failed = await until_status(created!.id, OrderStatus.ORDER_STATUS_PAYMENT_FAILED);
    assert.match(failed.statusReason, /declined/);
    const { payment } = await mesh.payments.getPayment({ orderId: created!.id }, shopper.auth);
    assert.equal(payment!.status, PaymentStatus.PAYMENT_STATUS_FAILED);
  });

  it('retries a transient processor failure and then takes the payment', async () => {
    const { order: created } = await order('tok_transient');
    await until_status(created!.id, OrderStatus.ORDER_STATUS_PAID);
    const { payment } = await mesh.payments.getPayment({ orderId: created!.id }, shopper.auth);
    assert.equal(payment!.attempts, 3);
  });

  it('refunds a paid order that is cancelled', async () => {
    const { order: created } = await order();
    await until_status(created!.id, OrderStatus.ORDER_STATUS_PAID);
    const { order: cancelled } = await mesh.orders.cancelOrder({ orderId: created!.id, reason: 'changed my mind' }, shopper.auth);
    assert.equal(cancelled!.status, OrderStatus.ORDER_STATUS_CANCELLED);
    await until(
      'the payment to be refunded',
      async () => (await mesh.payments.getPayment({ orderId: created!.id }, shopper.auth)).payment!.status === PaymentStatus.PAYMENT_STATUS_REFUNDED,
      { timeoutMs: 20_000 },
    );
  });

  it('refuses illegal transitions with FAILED_PRECONDITION', async () => {
    const { order: created } = await order('tok_declined');
    await until_status(created!.id, OrderStatus.ORDER_STATUS_PAYMENT_FAILED);
    const error = await rpcErrorOf(mesh.orders.cancelOrder({ orderId: created!.id, reason: '' }, shopper.auth));
    assert.equal(error.code, Code.FAILED_PRECONDITION);
    assert.equal(error.details.reason, 'ILLEGAL_ORDER_TRANSITION');
  });

  it('answers the same idempotency key with the same order, even concurrently', async () => {
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 5 }, () => order('tok_visa', key)));
    const ids = new Set(results.map((r) => r.order!.id));
    assert.equal(ids.size, 1);
    const { orders } = await mesh.orders.listOrders({ pageSize: 100, pageToken: '' }, shopper.auth);
    assert.equal(orders.filter((o: Order) => o.id === [...ids][0]).length, 1);
  });

  it('names an unknown product with FAILED_PRECONDITION', async () => {
    const missing = randomUUID();
    const error = await rpcErrorOf(
      mesh.orders.createOrder({ idempotencyKey: randomUUID(), paymentToken: '', items: [{ productId: missing, quantity: 1 }] }, shopper.auth),
    );
    assert.equal(error.code, Code.FAILED_PRECONDITION);
    assert.match(error.message, new RegExp(missing));
  });

  it('names every bad field of a malformed order', async () => {
    const error = await rpcErrorOf(mesh.orders.createOrder({ idempotencyKey: '', paymentToken: '', items: [{ productId: '', quantity: 0 }] }, shopper.auth));
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    assert.deepEqual(error.details.fieldViolations!.map((v) => v.field).sort(), ['idempotency_key', 'items[0].product_id', 'items[0].quantity']);
  });

  it("keeps other users' orders private", async () => {
    const { order: mine } = await order();
    const stranger = await mesh.shopper();
    const error = await rpcErrorOf(mesh.orders.getOrder({ orderId: mine!.id }, stranger.auth));
    assert.equal(error.code, Code.PERMISSION_DENIED);
    const { orders } = await mesh.orders.listOrders({ pageSize: 10, pageToken: '' }, stranger.auth);
    assert.equal(orders.length, 0);
  });

  it('pages through the own orders, newest first, without repeats', async () => {
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await mesh.orders.listOrders({ pageSize: 2, pageToken }, shopper.auth);
      seen.push(...page.orders.map((o) => o.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    const all = (await mesh.orders.listOrders({ pageSize: 100, pageToken: '' }, shopper.auth)).orders;
    assert.deepEqual(
      seen,
      all.map((o) => o.id),
    );
    assert.equal(new Set(seen).size, seen.length);
    const times = all.map((o) => o.createdAt!.getTime());
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
  });

  it('answers UNAVAILABLE within its deadline and writes nothing when users is down', async () => {
    const orders = await startServiceUnderTest(ordersService, {
      calls: { users: '127.0.0.1:1', catalog: mesh.services.catalog.address, payments: mesh.services.payments.address },
      overrides: { CLIENT_DEADLINE_MS: '1000' },
    });
    const { client } = orders;
    const database = orders.config.ORDERS_DB_NAME;
    try {
      const started = Date.now();
      const error = await rpcErrorOf(
        client.createOrder({ idempotencyKey: randomUUID(), paymentToken: '', items: [{ productId: burger.id, quantity: 1 }] }, shopper.auth),
      );
      assert.equal(error.code, Code.UNAVAILABLE);
      assert.ok(Date.now() - started < 3000, `answered after ${Date.now() - started} ms`);
      const db = knex({ client: 'mysql2', connection: { host: '127.0.0.1', user: 'root', database } });
      const [{ n: orderRows }] = await db('orders').count({ n: '*' });
      const [{ n: outboxRows }] = await db('outbox').count({ n: '*' });
      await db.destroy();
      assert.equal(Number(orderRows), 0);
      assert.equal(Number(outboxRows), 0);
    } finally {
      await orders.stop();
    }
  });
});
