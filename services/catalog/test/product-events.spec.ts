import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { Events } from '../../../platform/events/catalog';
import { ProductChanged, ProductChanged_ChangeType as ChangeType } from '../../../gen/ts/shop/catalog/v1/events';
import { aNewProduct, type RunningCatalog } from './catalog-fixture';
import { startServiceUnderTest } from '../../../test/support/service-under-test';
import { catalogService } from '../src/service';

const TOPIC = 'shop.catalog.v1.events';

describe('catalog events', function () {
  let catalog: RunningCatalog;
  let consumer: Consumer;
  const received: KafkaMessage[] = [];

  /** Waits for the events of one product, in the order they were published. */
  async function eventsOf(productId: string, count: number): Promise<KafkaMessage[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const mine = received.filter((m) => m.key?.toString() === productId);
      if (mine.length >= count) return mine;
      if (Date.now() > deadline) assert.fail(`got ${mine.length} of ${count} ProductChanged events for ${productId}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  before(async () => {
    assert.equal(Events.ProductChanged.topic, TOPIC);
    catalog = await startServiceUnderTest(catalogService);
    const kafka = new Kafka({ clientId: 'catalog-events-test', brokers: catalog.config.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    // The run's topics carry its KAFKA_TOPIC_PREFIX; this one may not exist before the first write.
    const topic = catalog.config.KAFKA_TOPIC_PREFIX + TOPIC;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    consumer = kafka.consumer({ groupId: `catalog-events-test-${randomUUID()}` });
    await consumer.connect();
    // From the beginning: the group's first offsets then cannot miss an event published while it joins.
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
  });

  after(async () => {
    await consumer?.disconnect();
    await catalog?.stop();
  });

  it('CreateProduct publishes ProductChanged CREATED with the product, keyed by its id, with CloudEvents headers', async () => {
    const { product } = await catalog.client.createProduct(aNewProduct(), catalog.asAdmin);
    const [message] = await eventsOf(product!.id, 1);
    assert.equal(message.headers?.ce_type?.toString(), 'shop.catalog.v1.ProductChanged');
    assert.equal(message.headers?.ce_source?.toString(), 'catalog');
    const event = ProductChanged.decode(message.value!);
    assert.equal(event.changeType, ChangeType.CHANGE_TYPE_CREATED);
    assert.deepEqual(event.product, product);
    assert.deepEqual(event.changedAt, product!.createdAt);
  });

  it('UpdateProduct publishes ProductChanged UPDATED with the product after the change', async () => {
    const { product } = await catalog.client.createProduct(aNewProduct({ stock: 5 }), catalog.asAdmin);
    const { product: updated } = await catalog.client.updateProduct(
      { id: product!.id, stock: 4, price: { currencyCode: 'EUR', amountMinor: '720' }, tags: [], replaceTags: false },
      catalog.asAdmin,
    );
    const [created, changed] = await eventsOf(product!.id, 2);
    assert.equal(ProductChanged.decode(created.value!).changeType, ChangeType.CHANGE_TYPE_CREATED);
    const event = ProductChanged.decode(changed.value!);
    assert.equal(event.changeType, ChangeType.CHANGE_TYPE_UPDATED);
    assert.deepEqual(event.product, updated);
    assert.equal(event.product?.price?.amountMinor, '720');
  });

  it('an update that changes nothing publishes nothing', async () => {
    const { product } = await catalog.client.createProduct(aNewProduct({ stock: 9 }), catalog.asAdmin);
    await catalog.client.updateProduct({ id: product!.id, stock: 9, tags: [], price: undefined, replaceTags: false }, catalog.asAdmin);
    const marker = await catalog.client.updateProduct({ id: product!.id, stock: 8, tags: [], price: undefined, replaceTags: false }, catalog.asAdmin);
    const events = await eventsOf(product!.id, 2);
    assert.deepEqual(
      events.map((m) => ProductChanged.decode(m.value!).product?.stock),
      [9, marker.product?.stock],
    );
  });
});
