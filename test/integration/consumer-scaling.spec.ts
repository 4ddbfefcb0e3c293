import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { AssignerProtocol, Kafka, logLevel, type Admin } from 'kafkajs';
import knex, { type Knex } from 'knex';
import { Events } from '../../platform/events/catalog';
import type { ServiceUnderTest } from '../support/service-under-test';
import { OrderStatus } from '../../gen/ts/shop/orders/v1/orders';
import { paymentsService } from '../../services/payments/src/service';
import { startServiceUnderTest } from '../support/service-under-test';
import { startMesh, type Mesh, type Shopper } from '../support/mesh';
import { until } from '../support/poll';

const ORDERS = 40;

/** The partitions of `topic` each member of `group` owns now. */
async function assignments(admin: Admin, group: string, topic: string): Promise<{ state: string; owned: number[][] }> {
  const {
    groups: [described],
  } = await admin.describeGroups([group]);
  const owned = described.members.map((m) => {
    const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    return assignment?.assignment[topic] ?? [];
  });
  return { state: described.state, owned };
}

/**
 * Topics have several partitions (KAFKA_TOPIC_PARTITIONS), so a second
 * instance of a consumer shares the work of the first: each owns some of the
 * partitions. Keys are order ids, so an order's events stay in one partition
 * and are handled in the order they were written, whichever instance owns it.
 */
describe('two instances of one consumer group share the partitions and keep each order in order', function () {
  this.timeout(180_000);
  let mesh: Mesh;
  let second: ServiceUnderTest<typeof paymentsService>;
  let shopper: Shopper;
  let admin: Admin;
  let paymentsDb: Knex;

  before(async () => {
    mesh = await startMesh({ payments: { KAFKA_TOPIC_PARTITIONS: '6' } });
    const database = mesh.databases.find((d) => d.startsWith('test_payments'))!;
    second = await startServiceUnderTest(paymentsService, {
      overrides: {
        PAYMENTS_DB_NAME: database,
        PAYMENTS_CONSUMER_GROUP: mesh.paymentsGroup,
        PAYMENT_RETRY_BASE_MS: '10',
        KAFKA_TOPIC_PARTITIONS: '6',
        // The mesh's own topics and groups.
        KAFKA_TOPIC_PREFIX: mesh.ordersConfig.KAFKA_TOPIC_PREFIX,
      },
    });
    shopper = await mesh.shopper();
    admin = new Kafka({ clientId: 'scaling-test', brokers: mesh.ordersConfig.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    paymentsDb = knex({ client: 'mysql2', connection: { host: '127.0.0.1', user: 'root', database }, pool: { min: 0, max: 2 } });
  });

  after(async () => {
    await admin?.disconnect();
    await paymentsDb?.destroy();
    await second?.stop();
    await mesh?.stop();
  });

  it('assigns partitions to both members, both handle events, and a cancel is never seen before its order', async () => {
    const topic = mesh.ordersConfig.KAFKA_TOPIC_PREFIX + Events.OrderCreated.topic;
    const group = mesh.ordersConfig.KAFKA_TOPIC_PREFIX + mesh.paymentsGroup;
    const { partitions } = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0];
    assert.ok(partitions.length >= 6, `the orders topic has ${partitions.length} partitions`);
    const stable = await until(
      'the group to settle with two members owning partitions',
      async () => {
        const now = await assignments(admin, group, topic);
        return now.state === 'Stable' && now.owned.length === 2 && now.owned.every((p) => p.length > 0) && now;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    const { products } = await mesh.catalog.listProducts({ pageSize: 100, pageToken: '', category: '', query: '' });
    const stocked = products.filter((p) => p.stock >= 5);
    // Created and cancelled back to back: OrderCreated then OrderCancelled, same key, same partition.
    const orderIds = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => {
        const { order } = await mesh.orders.createOrder(
          { idempotencyKey: randomUUID(), paymentToken: 'tok_visa', items: [{ productId: stocked[i % stocked.length].id, quantity: 1 }] },
          shopper.auth,
        );
        await mesh.orders.cancelOrder({ orderId: order!.id, reason: 'test' }, shopper.auth);
        return order!.id;
      }),
    );

    // In order, payments charges each order on OrderCreated and refunds it on OrderCancelled.
    // Out of order it would have left a CANCELLED payment (a cancel seen first) and never charged.
    await until(
      'every order charged and refunded',
      async () => Number((await paymentsDb('payments').whereIn('order_id', orderIds).where({ status: 'REFUNDED' }).count({ n: '*' }))[0].n) === ORDERS,
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    assert.deepEqual(await paymentsDb('payments').whereIn('order_id', orderIds).whereNot({ status: 'REFUNDED' }).select('order_id', 'status'), []);
    for (const id of orderIds.slice(0, 3)) {
      assert.equal((await mesh.orders.getOrder({ orderId: id }, shopper.auth)).order!.status, OrderStatus.ORDER_STATUS_CANCELLED);
    }

    // Both members did work: each owns partitions whose committed offsets moved, and the assignment held.
    const after = await assignments(admin, group, topic);
    assert.deepEqual(after.owned.map((p) => [...p].sort()).sort(), stable.owned.map((p) => [...p].sort()).sort(), 'no rebalance during the run');
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const progressed = new Set(committed.partitions.filter((p) => Number(p.offset) > 0).map((p) => p.partition));
    for (const [member, owned] of stable.owned.entries()) {
      assert.ok(
        owned.some((p) => progressed.has(p)),
        `member ${member} committed progress on one of its partitions ${owned.join(',')}`,
      );
    }
  });
});
