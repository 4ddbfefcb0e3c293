import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import knex, { type Knex } from 'knex';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Code } from '../../../platform/errors';
import { Events } from '../../../platform/events/catalog';
import type { CallOptions } from '../../../platform/client';
import type { Product } from '../../../gen/ts/shop/catalog/v1/catalog';
import type { Recommendation } from '../../../gen/ts/shop/recommendations/v1/recommendations';
import { startMesh, type Mesh, type Shopper } from '../../../test/support/mesh';
import { until } from '../../../test/support/poll';
import { consumed, failureOf, productFactory, startRecommendationsUnderTest, type RunningRecommendations } from './recommendations-fixture';

const summary = (recommendations: Recommendation[]) => recommendations.map((r) => [r.product!.name.split(' ')[0], r.reason, r.score]);

describe('FrequentlyBoughtTogether, learnt from real orders', function () {
  this.timeout(90_000);
  let mesh: Mesh;
  let shopper: Shopper;
  let admin: CallOptions;
  let recommendations: RunningRecommendations;
  let ordersDb: Knex;
  let recommendationsDb: Knex;
  // Wraps A-E share a category; the drinks only each other.
  let a: Product, b: Product, c: Product, d: Product, e: Product, cola: Product, lemonade: Product;

  const order = async (...products: Product[]) => {
    const { order: placed } = await mesh.orders.createOrder(
      {
        idempotencyKey: randomUUID(),
        paymentToken: 'tok_visa',
        items: products.map((p) => ({ productId: p.id, quantity: 2 })),
      },
      shopper.auth,
    );
    return placed!;
  };
  const boughtWith = async (products: Product[], limit = 0) =>
    (await recommendations.client.frequentlyBoughtTogether({ productIds: products.map((p) => p.id), limit })).recommendations;
  const connect = (database: string) => knex({ client: 'mysql2', connection: { host: '127.0.0.1', user: 'root', database }, pool: { min: 0, max: 2 } });

  before(async () => {
    mesh = await startMesh();
    shopper = await mesh.shopper();
    admin = mesh.asAdmin;
    const make = productFactory(mesh.catalog, admin);
    const [wraps, drinks] = [make.category('wraps'), make.category('drinks')];
    const [hot, cold] = [make.tag('hot'), make.tag('cold')];
    a = await make.create({ name: 'A-wrap', category: wraps, priceMinor: 900, tags: [hot] });
    b = await make.create({ name: 'B-wrap', category: wraps, priceMinor: 950, tags: [hot] });
    c = await make.create({ name: 'C-wrap', category: wraps, priceMinor: 1000 });
    d = await make.create({ name: 'D-wrap', category: wraps, priceMinor: 1100 });
    e = await make.create({ name: 'E-wrap', category: wraps, priceMinor: 900, tags: [hot] });
    cola = await make.create({ name: 'Cola', category: drinks, priceMinor: 250, tags: [cold] });
    lemonade = await make.create({ name: 'Lemonade', category: drinks, priceMinor: 380, tags: [cold] });
    recommendations = await startRecommendationsUnderTest(mesh.services.catalog.address, { KAFKA_TOPIC_PREFIX: mesh.ordersConfig.KAFKA_TOPIC_PREFIX });
    ordersDb = connect(mesh.databases.find((name) => name.startsWith('test_orders'))!);
    recommendationsDb = connect(recommendations.config.RECOMMENDATIONS_DB_NAME);
    // A with B three times, with C twice, with D once; B with C once and with D once.
    await order(a, b, c);
    await order(a, b);
    await order(a, b, d);
    await order(a, c);
  });

  after(async () => {
    await ordersDb?.destroy();
    await recommendationsDb?.destroy();
    await recommendations?.stop();
    await mesh?.stop();
  });

  it('ranks what was bought with a product by how often it was', async () => {
    // Each order's event adds all its pairs at once; orders arrive in any order (keyed by order id).
    const together = await until(
      'the four orders to be counted',
      async () => {
        const list = await boughtWith([a], 3);
        return list.filter((r) => r.reason === 'co_purchase').reduce((sum, r) => sum + r.score, 0) === 3 + 2 + 1 && list;
      },
      { timeoutMs: 30_000 },
    );
    assert.deepEqual(summary(together), [
      ['B-wrap', 'co_purchase', 3],
      ['C-wrap', 'co_purchase', 2],
      ['D-wrap', 'co_purchase', 1],
    ]);
  });

  it('adds up the counts of several products, never recommending one of them', async () => {
    const together = await boughtWith([a, b], 2);
    // C: twice with A, once with B; D: once with each.
    assert.deepEqual(summary(together), [
      ['C-wrap', 'co_purchase', 3],
      ['D-wrap', 'co_purchase', 2],
    ]);
  });

  it('fills the rest of the list with similar products, each product once', async () => {
    const together = await boughtWith([a], 10);
    assert.deepEqual(
      together.slice(0, 3).map((r) => r.reason),
      ['co_purchase', 'co_purchase', 'co_purchase'],
    );
    const similar = (await recommendations.client.similarProducts({ productId: a.id, limit: 10 })).recommendations;
    const fill = similar.filter((r) => ![b.id, c.id, d.id].includes(r.product!.id));
    assert.deepEqual(together.slice(3), fill);
    assert.deepEqual(summary(together.slice(3)), [['E-wrap', 'similar', 1]]);
    assert.equal(new Set(together.map((r) => r.product!.id)).size, together.length);
  });

  it('falls back to similar products when there is no history', async () => {
    const together = await boughtWith([e], 5);
    const similar = (await recommendations.client.similarProducts({ productId: e.id, limit: 5 })).recommendations;
    assert.ok(together.length > 0);
    assert.deepEqual(together, similar);
    assert.ok(together.every((r) => r.reason === 'similar'));
  });

  it('counts an OrderCreated delivered twice once', async () => {
    const placed = await order(cola, lemonade);
    await until('the drinks order to be counted', async () => (await boughtWith([cola], 1))[0]?.reason === 'co_purchase', { timeoutMs: 30_000 });
    // Deliver the very same message again, as Kafka may after a rebalance.
    const row = await ordersDb('outbox').where({ message_key: placed.id, event_type: Events.OrderCreated.type }).first();
    const group = recommendations.config.RECOMMENDATIONS_CONSUMER_GROUP;
    const duplicates = await consumed(group, Events.OrderCreated.type, 'duplicate');
    const kafka = new Kafka({ clientId: 'recommendations-test', brokers: mesh.ordersConfig.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: mesh.ordersConfig.KAFKA_TOPIC_PREFIX + row.topic,
      messages: [{ key: row.message_key, value: row.payload, headers: JSON.parse(row.headers) }],
    });
    await producer.disconnect();
    await until('the duplicate to be recognised', async () => (await consumed(group, Events.OrderCreated.type, 'duplicate')) > duplicates, {
      timeoutMs: 20_000,
    });
    assert.deepEqual(summary(await boughtWith([cola], 1)), [['Lemonade', 'co_purchase', 1]]);
    assert.deepEqual(summary(await boughtWith([lemonade], 1)), [['Cola', 'co_purchase', 1]]);
  });

  it('skips products catalog no longer has', async () => {
    const gone = randomUUID();
    await recommendationsDb('co_purchases').insert({ product_id: a.id, other_id: gone, count: 100 });
    const together = await boughtWith([a], 3);
    assert.deepEqual(summary(together), [
      ['B-wrap', 'co_purchase', 3],
      ['C-wrap', 'co_purchase', 2],
      ['D-wrap', 'co_purchase', 1],
    ]);
  });

  it('recommends nothing for a product catalog does not know', async () => {
    assert.deepEqual(await boughtWith([{ id: randomUUID() } as Product]), []);
  });

  it('refuses a request without products, or with too many, naming the field', async () => {
    for (const productIds of [[], Array.from({ length: 21 }, () => randomUUID())]) {
      const failure = await failureOf(recommendations.client.frequentlyBoughtTogether({ productIds, limit: 0 }));
      assert.equal(failure.code, Code.INVALID_ARGUMENT);
      assert.deepEqual(failure.fields, ['product_ids']);
    }
    const failure = await failureOf(recommendations.client.frequentlyBoughtTogether({ productIds: [a.id, 'wrap'], limit: -1 }));
    assert.deepEqual(failure.fields, ['product_ids[1]', 'limit']);
  });
});
