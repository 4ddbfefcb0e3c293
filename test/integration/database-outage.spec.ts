import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import knex, { type Knex } from 'knex';
import { deadLetterTopic } from '../../platform/events/dead-letter';
import { startMesh, type Mesh, type Shopper } from '../support/mesh';
import { until } from '../support/poll';
import { metricSum } from '../support/rpc-fixtures';
import { startTcpProxy } from '../support/tcp-proxy';

const ORDERS = 200;
const OUTAGE_MS = 12_000;

/**
 * The database of notifications goes away (every connection cut and refused,
 * as a stopped MariaDB does) while orders keep coming, so a backlog of events
 * waits for it in Kafka (each order's OrderCreated, then OrderPaid or
 * PaymentFailed); then it comes back. Nothing may be dead-lettered for that,
 * and every event must still be handled, once. (Payments cannot be the one cut
 * off here: CreateOrder calls it for the payment intent, so orders would be
 * refused, not queued.)
 */
describe('the order flow through a database outage with a backlog in Kafka', function () {
  this.timeout(300_000);
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let mesh: Mesh;
  let shopper: Shopper;
  let db: (name: string) => Knex;
  const open: Knex[] = [];

  before(async () => {
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 3306 });
    const viaProxy = { MYSQL_URL: `mysql://root@127.0.0.1:${proxy.port}` };
    mesh = await startMesh({ notifications: viaProxy });
    shopper = await mesh.shopper();
    db = (prefixOf: string) => {
      const conn = knex({
        client: 'mysql2',
        connection: { host: '127.0.0.1', user: 'root', database: mesh.databases.find((d) => d.startsWith(prefixOf))! },
        pool: { min: 0, max: 2 },
      });
      open.push(conn);
      return conn;
    };
  });

  after(async () => {
    await proxy?.restore().catch(() => undefined);
    for (const conn of open) await conn.destroy();
    await mesh?.stop();
    await proxy?.close();
  });

  it(`loses nothing and dead-letters nothing when MariaDB is gone for ${OUTAGE_MS / 1000} s under a backlog of ${ORDERS} orders`, async () => {
    const { products } = await mesh.catalog.listProducts({ pageSize: 100, pageToken: '', category: '', query: '' });
    const stocked = products.filter((p) => p.stock >= 20);
    assert.ok(stocked.length * 20 >= ORDERS, 'enough seeded stock for the orders');
    const ordersDb = db('test_orders');
    const paymentsDb = db('test_payments');
    const notificationsDb = db('test_notifications');
    // The shopper's welcome is in before the outage: the count below starts from it.
    await until(
      'the welcome notification',
      async () => Number((await notificationsDb('notifications').where({ user_id: shopper.userId }).count({ n: '*' }))[0].n) === 1,
      { timeoutMs: 30_000 },
    );

    await proxy.cut();
    const cutAt = Date.now();
    const placed: { id: string; declined: boolean }[] = [];
    const queue = Array.from({ length: ORDERS }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const declined = i % 10 === 0;
          const { order } = await mesh.orders.createOrder(
            {
              idempotencyKey: randomUUID(),
              paymentToken: declined ? 'tok_declined' : 'tok_visa',
              items: [{ productId: stocked[i % stocked.length].id, quantity: 1 }],
            },
            shopper.auth,
          );
          placed.push({ id: order!.id, declined });
        }
      }),
    );
    const left = OUTAGE_MS - (Date.now() - cutAt);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    const seenDuringOutage = Number((await notificationsDb('notifications').where({ user_id: shopper.userId }).count({ n: '*' }))[0].n);
    assert.equal(seenDuringOutage, 1, 'nothing could be notified during the outage');
    await proxy.restore();

    await until(
      'every order to end PAID or PAYMENT_FAILED',
      async () => Number((await ordersDb('orders').whereIn('status', ['PAID', 'PAYMENT_FAILED']).count({ n: '*' }))[0].n) === ORDERS,
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    const statuses = new Map((await ordersDb('orders').select('id', 'status')).map((r: { id: string; status: string }) => [r.id, r.status]));
    for (const { id, declined } of placed) assert.equal(statuses.get(id), declined ? 'PAYMENT_FAILED' : 'PAID', `order ${id}`);

    const payments = await paymentsDb('payments')
      .whereIn(
        'order_id',
        placed.map((o) => o.id),
      )
      .select('order_id', 'status');
    assert.equal(payments.length, ORDERS, 'one payment per order');
    assert.equal(new Set(payments.map((p: { order_id: string }) => p.order_id)).size, ORDERS);

    // Per order: OrderCreated, then OrderPaid or PaymentFailed; plus the welcome.
    await until(
      'one notification per event',
      async () => Number((await notificationsDb('notifications').where({ user_id: shopper.userId }).count({ n: '*' }))[0].n) >= 1 + 2 * ORDERS,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    assert.equal(Number((await notificationsDb('notifications').where({ user_id: shopper.userId }).count({ n: '*' }))[0].n), 1 + 2 * ORDERS);

    for (const group of [mesh.paymentsGroup, mesh.notificationsGroup]) {
      assert.equal(await metricSum('events_dead_lettered_total', { group }), 0, `nothing dead-lettered by ${group}`);
    }
    assert.ok((await metricSum('events_outage_retries_total', { group: mesh.notificationsGroup })) > 0, 'notifications waited the outage out');
    const kafka = new Kafka({ clientId: 'outage-test', brokers: mesh.ordersConfig.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      for (const group of [mesh.paymentsGroup, mesh.notificationsGroup]) {
        const topic = mesh.ordersConfig.KAFKA_TOPIC_PREFIX + deadLetterTopic(group);
        if (!existing.has(topic)) continue;
        const offsets = await admin.fetchTopicOffsets(topic);
        assert.equal(
          offsets.reduce((sum, o) => sum + Number(o.high), 0),
          0,
          `${topic} is empty`,
        );
      }
    } finally {
      await admin.disconnect();
    }
  });
});
