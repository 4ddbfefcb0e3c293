import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { Events } from '../../../platform/events/catalog';
import { deadLetterTopic, readDeadLetter } from '../../../platform/events/dead-letter';
import { newEnvelope, toHeaders } from '../../../platform/events/envelope';
import { until } from '../../../test/support/poll';
import { metricValue } from '../../../test/support/rpc-fixtures';
import { anOrderCreated, anOrderPaid, createEventBus, untilFeedHas, type EventBus, type RunningNotifications } from './notifications-fixture';
import { startServiceUnderTest } from '../../../test/support/service-under-test';
import { notificationsService } from '../src/service';

describe('notifications: events it cannot use go to its dead-letter topic', function () {
  this.timeout(60_000);
  let notifications: RunningNotifications;
  let bus: EventBus;
  let dlqReader: Consumer;
  const deadLetters: KafkaMessage[] = [];
  const deadLetterOf = (eventId: string) =>
    until(`event ${eventId} in the dead-letter topic`, () => deadLetters.find((m) => m.headers?.ce_id?.toString() === eventId), { timeoutMs: 20_000 });

  before(async () => {
    notifications = await startServiceUnderTest(notificationsService);
    bus = createEventBus(notifications.config);
    dlqReader = bus.kafka.consumer({ groupId: `dlq-reader-${randomUUID()}` });
    await dlqReader.connect();
    const topic = bus.topic(deadLetterTopic(notifications.config.NOTIFICATIONS_CONSUMER_GROUP));
    // Subscribing creates the topic when no dead letter made it yet; its first metadata can lag a moment.
    await until(
      'the dead-letter topic to be readable',
      async () => {
        await dlqReader.subscribe({ topic, fromBeginning: true });
        return true;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    await dlqReader.run({ eachMessage: async ({ message }) => void deadLetters.push(message) });
  });

  after(async () => {
    await dlqReader?.disconnect();
    await bus?.close();
    await notifications?.stop();
  });

  it('dead-letters a message that does not decode, with why and where, and goes on with the next event', async () => {
    const userId = randomUUID();
    const orderId = randomUUID();
    const poison = newEnvelope(Events.OrderCreated.type, 'orders');
    // Field 1 announces 16 bytes and ends after one. (Much text "decodes" to an empty message instead:
    // protobuf reads a stray end-group tag as the end; that empty event then fails for naming no user.)
    const garbage = Buffer.from([0x0a, 0x10, 0x61]);
    assert.throws(() => Events.OrderCreated.codec.decode(garbage), 'the poison must really be undecodable');
    const group = notifications.config.NOTIFICATIONS_CONSUMER_GROUP;
    const deadLettered = () => metricValue('events_consumed_total', { event_type: Events.OrderCreated.type, group, result: 'dead_lettered' });
    const before = await deadLettered();

    await bus.send(Events.OrderCreated.topic, { key: orderId, value: garbage, headers: toHeaders(poison) });
    const next = await bus.publish('OrderCreated', orderId, anOrderCreated(userId, { orderId }));

    const [stored] = await untilFeedHas(notifications.client, await notifications.as(userId), 1);
    assert.equal(stored.eventId, next.id);
    const letter = await deadLetterOf(poison.id);
    assert.deepEqual(letter.value, garbage);
    assert.equal(letter.headers?.ce_type?.toString(), Events.OrderCreated.type);
    const info = readDeadLetter(letter.headers);
    assert.match(info.error, /cannot decode shop\.orders\.v1\.OrderCreated/);
    assert.equal(info.topic, bus.topic(Events.OrderCreated.topic));
    assert.equal(info.group, group);
    assert.equal(info.attempts, 1);
    assert.ok((await deadLettered()) >= before + 1);
  });

  it('dead-letters an event that names no user at its first attempt, and handles the next event of that order', async () => {
    const orderId = randomUUID();
    const orphan = await bus.publish('OrderPaid', orderId, anOrderPaid('', { orderId }));
    const letter = await deadLetterOf(orphan.id);
    const info = readDeadLetter(letter.headers);
    assert.match(info.error, /OrderPaid .*: the event names no user/);
    assert.equal(info.attempts, 1);
    // The next event of the same order is handled as usual.
    const userId = randomUUID();
    await bus.publish('OrderPaid', orderId, anOrderPaid(userId, { orderId }));
    const feed = await untilFeedHas(notifications.client, await notifications.as(userId), 1);
    assert.equal(feed.length, 1);
  });
});
