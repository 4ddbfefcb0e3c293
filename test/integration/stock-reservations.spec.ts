import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import knex, { type Knex } from 'knex';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createTokens } from '../../platform/auth';
import { Code } from '../../platform/errors';
import { Events } from '../../platform/events/catalog';
import { OrderStatus } from '../../gen/ts/shop/orders/v1/orders';
import { startMesh, type Mesh, type Shopper } from '../support/mesh';
import { until } from '../support/poll';
import { rpcErrorOf } from '../support/rpc-error';

/** A reservation lives this long unconfirmed here, so a confirmed one visibly outlives it. */
const TTL_SECONDS = 3;

describe('stock: orders reserve it in catalog, payment failures and cancellations give it back', function () {
  this.timeout(90_000);
  let mesh: Mesh;
  let shopper: Shopper;
  let asAdmin: { metadata: Record<string, string> };
  let ordersDb: Knex;
  let catalogDb: Knex;
  let kafka: Kafka;

  before(async () => {
    mesh = await startMesh({ catalog: { CATALOG_RESERVATION_TTL_SECONDS: String(TTL_SECONDS), CATALOG_RESERVATION_SWEEP_INTERVAL_MS: '200' } });
    shopper = await mesh.shopper();
    const tokens = createTokens({ secret: mesh.ordersConfig.JWT_SECRET, issuer: mesh.ordersConfig.JWT_ISSUER });
    asAdmin = { metadata: { authorization: `Bearer ${(await tokens.issue({ userId: randomUUID(), roles: ['admin'] })).token}` } };
    const database = (service: string) =>
      knex({
        client: 'mysql2',
        connection: `${mesh.ordersConfig.MYSQL_URL}/${mesh.databases.find((d) => d.startsWith(`test_${service}_`))}`,
        pool: { min: 0, max: 2 },
      });
    ordersDb = database('orders');
    catalogDb = database('catalog');
    kafka = new Kafka({ clientId: 'stock-test', brokers: mesh.ordersConfig.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  });
  after(async () => {
    await ordersDb?.destroy();
    await catalogDb?.destroy();
    await mesh?.stop();
  });

  const productWith = async (stock: number) =>
    (
      await mesh.catalog.createProduct(
        {
          name: `Stock Test ${randomUUID().slice(0, 8)}`,
          description: 'for the stock tests',
          category: 'sides',
          price: { currencyCode: 'EUR', amountMinor: '300' },
          stock,
          tags: [],
          imageUrl: '',
        },
        asAdmin,
      )
    ).product!;
  const stockOf = async (id: string) => (await mesh.catalog.getProduct({ id })).product!.stock;
  const order = (productId: string, { quantity = 1, paymentToken = 'tok_visa', key = randomUUID() } = {}) =>
    mesh.orders.createOrder({ idempotencyKey: key, paymentToken, items: [{ productId, quantity }] }, shopper.auth);
  const untilStatus = (orderId: string, status: OrderStatus) =>
    until(`order ${orderId} to be ${OrderStatus[status]}`, async () => (await mesh.orders.getOrder({ orderId }, shopper.auth)).order!.status === status, {
      timeoutMs: 60_000,
    });
  const untilStock = (id: string, expected: number) =>
    until(`stock of ${id} to be ${expected}`, async () => (await stockOf(id)) === expected, { timeoutMs: 60_000 });

  it('refuses an order short of stock with FAILED_PRECONDITION OUT_OF_STOCK naming the product, and writes nothing', async () => {
    const product = await productWith(1);
    const error = await rpcErrorOf(order(product.id, { quantity: 2 }));
    assert.equal(error.code, Code.FAILED_PRECONDITION);
    assert.equal(error.details.reason, 'OUT_OF_STOCK');
    assert.ok(error.message.includes(product.name), error.message);
    assert.equal(error.details.metadata!.product_ids, product.id);
    assert.equal(await stockOf(product.id), 1);
    assert.equal((await ordersDb('order_items').where({ product_id: product.id })).length, 0);
  });

  it('sells the last unit once: three orders in a row against stock 1', async () => {
    const product = await productWith(1);
    await order(product.id);
    for (const attempt of [2, 3]) {
      const error = await rpcErrorOf(order(product.id));
      assert.equal(error.details.reason, 'OUT_OF_STOCK', `order ${attempt}`);
    }
    assert.equal(await stockOf(product.id), 0);
  });

  it('never oversells: 10 concurrent orders of 1 against stock 3, exactly 3 succeed', async () => {
    const product = await productWith(3);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => order(product.id)));
    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = await Promise.all(
      results.filter((r) => r.status === 'rejected').map((r) => rpcErrorOf(Promise.reject((r as PromiseRejectedResult).reason))),
    );
    assert.equal(created.length, 3);
    assert.deepEqual(
      refused.map((e) => [e.code, e.details.reason]),
      Array(7).fill([Code.FAILED_PRECONDITION, 'OUT_OF_STOCK']),
    );
    assert.equal(await stockOf(product.id), 0);
    const written = await ordersDb('order_items').where({ product_id: product.id }).count({ n: '*' });
    assert.equal(Number(written[0].n), 3);
  });

  it('keeps the stock of an order that was created, past the reservation TTL', async () => {
    const product = await productWith(5);
    const { order: created } = await order(product.id, { quantity: 2 });
    await untilStatus(created!.id, OrderStatus.ORDER_STATUS_PAID);
    await until(
      'the reservation to be confirmed',
      async () => (await catalogDb('stock_reservations').where({ id: created!.id }).first())?.status === 'CONFIRMED',
      { timeoutMs: 60_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, (TTL_SECONDS + 1) * 1000));
    assert.equal(await stockOf(product.id), 3);
  });

  it('gives the stock back when the payment fails', async () => {
    const product = await productWith(2);
    const { order: created } = await order(product.id, { quantity: 2, paymentToken: 'tok_declined' });
    assert.equal(await stockOf(product.id), 0);
    await untilStatus(created!.id, OrderStatus.ORDER_STATUS_PAYMENT_FAILED);
    await untilStock(product.id, 2);
  });

  it('gives the stock back once when the order is cancelled, even if OrderCancelled is delivered again', async () => {
    const product = await productWith(4);
    const { order: created } = await order(product.id, { quantity: 3 });
    await untilStatus(created!.id, OrderStatus.ORDER_STATUS_PAID);
    await mesh.orders.cancelOrder({ orderId: created!.id, reason: 'changed my mind' }, shopper.auth);
    await untilStock(product.id, 4);

    // The same event again, and a copy under a new event id (which the consumer's dedup cannot recognise).
    const row = await ordersDb('outbox').where({ message_key: created!.id, event_type: Events.OrderCancelled.type }).first();
    const copyId = randomUUID();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const message = (headers: Record<string, string>) => ({ key: row.message_key, value: row.payload, headers });
    await producer.send({
      topic: mesh.ordersConfig.KAFKA_TOPIC_PREFIX + row.topic,
      messages: [message(JSON.parse(row.headers)), message({ ...JSON.parse(row.headers), ce_id: copyId })],
    });
    await producer.disconnect();
    await until('catalog to handle the copy', async () => (await catalogDb('processed_events').where({ event_id: copyId })).length > 0, { timeoutMs: 60_000 });
    assert.equal(await stockOf(product.id), 4);
  });

  it('reserves once for a retried CreateOrder with the same idempotency key', async () => {
    const product = await productWith(5);
    const key = randomUUID();
    const concurrent = await Promise.all([1, 2, 3].map(() => order(product.id, { quantity: 2, key })));
    const again = await order(product.id, { quantity: 2, key });
    assert.equal(new Set([...concurrent, again].map((r) => r.order!.id)).size, 1);
    assert.equal(await stockOf(product.id), 3);
    assert.equal((await catalogDb('stock_reservations').where({ id: again.order!.id })).length, 1);
  });
});
