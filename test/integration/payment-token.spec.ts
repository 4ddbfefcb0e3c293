import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import knex, { type Knex } from 'knex';
import { Kafka, logLevel } from 'kafkajs';
import { createTokens } from '../../platform/auth';
import { DEVELOPMENT_SECRETS } from '../../platform/config';
import { Code } from '../../platform/errors';
import { Events } from '../../platform/events/catalog';
import { createFieldCipher } from '../../platform/field-cipher';
import { createServiceCredentials } from '../../platform/service-credentials';
import { OrderStatus } from '../../gen/ts/shop/orders/v1/orders';
import { PaymentStatus } from '../../gen/ts/shop/payments/v1/payments';
import { ordersService } from '../../services/orders/src/service';
import { startServiceUnderTest } from '../support/service-under-test';
import { createPaymentIntentsStore } from '../../services/payments/src/store/payment-intents-store';
import { startMesh, type Mesh, type Shopper } from '../support/mesh';
import { createEventBus } from '../support/event-bus';
import { until } from '../support/poll';
import { rpcErrorOf } from '../support/rpc-error';

/** Issue 13, finding 11: the payment token rides neither on Kafka nor in orders' tables, and payments keeps it encrypted only until the charge. */
describe('the payment token: held by payments alone, encrypted, and only until the charge', function () {
  this.timeout(60_000);
  let mesh: Mesh;
  let shopper: Shopper;
  let productId: string;
  let ordersDb: Knex;
  let paymentsDb: Knex;
  const connect = (database: string) => knex({ client: 'mysql2', connection: { host: '127.0.0.1', user: 'root', database }, pool: { min: 0, max: 2 } });

  before(async () => {
    mesh = await startMesh();
    shopper = await mesh.shopper();
    const { products } = await mesh.catalog.listProducts({ pageSize: 100, pageToken: '', category: '', query: '' });
    productId = products.find((p) => p.stock > 20)!.id;
    ordersDb = connect(mesh.databases.find((name) => name.includes('orders'))!);
    paymentsDb = connect(mesh.databases.find((name) => name.includes('payments'))!);
  });
  after(async () => {
    await ordersDb?.destroy();
    await paymentsDb?.destroy();
    await mesh?.stop();
  });

  const order = (paymentToken: string) =>
    mesh.orders.createOrder({ idempotencyKey: randomUUID(), paymentToken, items: [{ productId, quantity: 1 }] }, shopper.auth).then((r) => r.order!);
  const settled = (id: string, status: OrderStatus) =>
    until(`order ${id} to be ${OrderStatus[status]}`, async () => (await mesh.orders.getOrder({ orderId: id }, shopper.auth)).order!.status === status, {
      timeoutMs: 20_000,
    });
  const serviceAuth = () => createServiceCredentials(createTokens({ secret: mesh.ordersConfig.JWT_SECRET, issuer: mesh.ordersConfig.JWT_ISSUER }), 'orders')();
  const intentRequest = (fields: { amountMinor?: string } = {}) => ({
    orderId: randomUUID(),
    userId: shopper.userId,
    amount: { currencyCode: 'EUR', amountMinor: fields.amountMinor ?? '1250' },
    paymentToken: 'tok_visa',
  });

  it('charges as before (tok_visa, tok_declined, tok_transient), and nothing of a token is left anywhere afterwards', async () => {
    const paid = await order('tok_visa');
    const declined = await order('tok_declined');
    const transient = await order('tok_transient');
    await settled(paid.id, OrderStatus.ORDER_STATUS_PAID);
    await settled(declined.id, OrderStatus.ORDER_STATUS_PAYMENT_FAILED);
    await settled(transient.id, OrderStatus.ORDER_STATUS_PAID);
    const ids = [paid.id, declined.id, transient.id];

    // orders: no column for it, no row, no outbox payload holding it.
    assert.equal(await ordersDb.schema.hasColumn('orders', 'payment_token'), false);
    const orderRows = await ordersDb('orders').whereIn('id', ids);
    assert.equal(orderRows.length, 3);
    assert.ok(!JSON.stringify(orderRows).includes('tok_'));
    const outbox = await ordersDb('outbox').whereIn('message_key', ids);
    assert.ok(outbox.length >= 3);
    for (const row of outbox) assert.ok(!Buffer.from(row.payload).includes('tok_'), `outbox ${row.event_type} carries no token`);

    // Kafka: every message of the orders topic, read from the start.
    const kafka = new Kafka({ clientId: 'payment-token-test', brokers: mesh.ordersConfig.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `payment-token-${randomUUID()}` });
    const seen: Buffer[] = [];
    const keys = new Set<string>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: mesh.ordersConfig.KAFKA_TOPIC_PREFIX + Events.OrderCreated.topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value ?? Buffer.alloc(0));
          keys.add(String(message.key));
        },
      });
      await until('every order on Kafka', async () => ids.every((id) => keys.has(id)), { timeoutMs: 20_000 });
    } finally {
      await consumer.disconnect();
    }
    for (const value of seen) assert.ok(!value.includes('tok_'), 'no Kafka message carries a token');

    // payments: each intent was kept until the answer, then forgotten.
    const intents = await paymentsDb('payment_intents').whereIn('order_id', ids);
    assert.equal(intents.length, 3);
    for (const intent of intents) assert.equal(intent.token_ciphertext, null);
  });

  it('stores the token as ciphertext bound to the order, answers a retry with the same intent, and refuses another amount', async () => {
    const req = intentRequest();
    const { intent } = await mesh.payments.createPaymentIntent(req, await serviceAuth());
    assert.equal(intent!.orderId, req.orderId);
    assert.equal(intent!.amount!.amountMinor, '1250');
    assert.ok(!JSON.stringify(intent).includes('tok_'), 'the token is never answered');

    const row = await paymentsDb('payment_intents').where({ order_id: req.orderId }).first();
    assert.match(row.token_ciphertext, /^v1:/);
    assert.ok(!row.token_ciphertext.includes('tok_visa'));
    const cipher = createFieldCipher(DEVELOPMENT_SECRETS.PAYMENTS_TOKEN_KEY, 'payment token');
    assert.equal(cipher.decrypt(row.token_ciphertext, req.orderId), 'tok_visa');

    const again = await mesh.payments.createPaymentIntent({ ...req, paymentToken: 'tok_declined' }, await serviceAuth());
    assert.deepEqual(again.intent, intent);
    const stored = await paymentsDb('payment_intents').where({ order_id: req.orderId }).first();
    assert.equal(cipher.decrypt(stored.token_ciphertext, req.orderId), 'tok_visa', 'the first token is kept');

    const error = await rpcErrorOf(mesh.payments.createPaymentIntent({ ...req, amount: { currencyCode: 'EUR', amountMinor: '1251' } }, await serviceAuth()));
    assert.equal(error.code, Code.FAILED_PRECONDITION);
    assert.equal(error.details.reason, 'PAYMENT_INTENT_MISMATCH');
  });

  it('refuses CreatePaymentIntent to a customer token and to an anonymous caller', async () => {
    const denied = await rpcErrorOf(mesh.payments.createPaymentIntent(intentRequest(), shopper.auth));
    assert.equal(denied.code, Code.PERMISSION_DENIED);
    const anonymous = await rpcErrorOf(mesh.payments.createPaymentIntent(intentRequest()));
    assert.equal(anonymous.code, Code.UNAUTHENTICATED);
  });

  it('forgets the token of an intent whose order never came', async () => {
    const req = intentRequest();
    await mesh.payments.createPaymentIntent(req, await serviceAuth());
    await createPaymentIntentsStore(paymentsDb).forgetStaleTokens(new Date(Date.now() + 60_000));
    const row = await paymentsDb('payment_intents').where({ order_id: req.orderId }).first();
    assert.equal(row.token_ciphertext, null);
  });

  it('fails, and never charges, an OrderCreated without an intent, even one carrying a token', async () => {
    const bus = createEventBus(mesh.ordersConfig);
    const orderId = randomUUID();
    try {
      await bus.publish('OrderCreated', orderId, {
        orderId,
        userId: shopper.userId,
        userDisplayName: 'Test Shopper',
        items: [],
        total: { currencyCode: 'EUR', amountMinor: '1250' },
        paymentToken: 'tok_visa',
        createdAt: new Date(),
      });
    } finally {
      await bus.close();
    }
    const payment = await until(
      'the payment to be answered',
      async () => (await mesh.payments.getPayment({ orderId }, shopper.auth).catch(() => undefined))?.payment,
      { timeoutMs: 20_000 },
    );
    assert.equal(payment.status, PaymentStatus.PAYMENT_STATUS_FAILED);
    assert.equal(payment.failureReason, 'no payment intent');
    assert.equal(payment.attempts, 0);
  });

  it('answers UNAVAILABLE, writes nothing and gives the stock back when payments is down', async () => {
    const orders = await startServiceUnderTest(ordersService, {
      calls: { users: mesh.services.users.address, catalog: mesh.services.catalog.address, payments: '127.0.0.1:1' },
      overrides: { KAFKA_TOPIC_PREFIX: mesh.ordersConfig.KAFKA_TOPIC_PREFIX, CLIENT_DEADLINE_MS: '1000' },
    });
    const { client } = orders;
    const database = orders.config.ORDERS_DB_NAME;
    const stock = async () => (await mesh.catalog.getProduct({ id: productId })).product!.stock;
    try {
      const before = await stock();
      const error = await rpcErrorOf(
        client.createOrder({ idempotencyKey: randomUUID(), paymentToken: 'tok_visa', items: [{ productId, quantity: 1 }] }, shopper.auth),
      );
      assert.equal(error.code, Code.UNAVAILABLE);
      assert.match(error.message, /payments/);
      assert.equal(await stock(), before);
      const db = connect(database);
      const [{ n }] = await db('orders').count({ n: '*' });
      await db.destroy();
      assert.equal(Number(n), 0);
    } finally {
      await orders.stop();
    }
  });
});
