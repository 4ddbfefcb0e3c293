import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer, type IHeaders } from 'kafkajs';
import { openDatabase, type Db } from '../../platform/db';
import { Events, type EventName, type EventPayload } from '../../platform/events/catalog';
import { createEventConsumer } from '../../platform/events/consumer';
import { fromHeaders, type Envelope } from '../../platform/events/envelope';
import { createKafka } from '../../platform/events/kafka';
import { createOutbox, OUTBOX_TABLE } from '../../platform/events/outbox';
import { createOutboxRelay, type OutboxRelay } from '../../platform/events/outbox-relay';
import { createTopicEnsurer } from '../../platform/events/topics';
import { createLogger } from '../../platform/logger';
import { dropDatabases } from '../support/databases';
import { timed, until } from '../support/poll';
import { metricValue } from '../support/rpc-fixtures';
import { testDatabase } from '../support/service-config';

const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const SOURCE = 'outbox-test';
/** Set by the root hook so each run has topics of its own. */
const TOPIC_PREFIX = process.env.KAFKA_TOPIC_PREFIX ?? '';
const topicOf = (name: EventName) => TOPIC_PREFIX + Events[name].topic;
const log = createLogger(SOURCE, 'silent');
const platformDir = join(__dirname, '..', '..', 'platform');

const migration = `
import type { Knex } from 'knex';
import { createOutboxTable } from ${JSON.stringify(join(platformDir, 'events', 'outbox'))};
import { createProcessedEventsTable } from ${JSON.stringify(join(platformDir, 'events', 'processed-events'))};
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('accounts', (t) => {
    t.string('id', 36).primary();
    t.string('name', 64).notNullable();
  });
  await createOutboxTable(knex);
  await createProcessedEventsTable(knex);
}
export async function down(): Promise<void> {}
`;

interface Received {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  headers: Record<string, string>;
  envelope: Envelope;
  payload: unknown;
}

const text = (headers: IHeaders = {}) =>
  Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, String(Array.isArray(value) ? value[0] : value)]));

describe('platform events: outbox and relay with real MariaDB and Kafka', function () {
  this.timeout(60_000);

  const database = testDatabase('platform_outbox');
  const received = new Map<string, Received>();
  let migrations: string;
  let db: Db;
  let kafka: Kafka;
  let relay: OutboxRelay;
  let consumer: Consumer;
  // Wakes whichever relay is current when a transaction commits.
  const outbox = createOutbox(SOURCE, () => relay.notify());

  /** Commits `name` for `key` with a state change, as a service does; returns the event id. */
  async function emit<N extends EventName>(name: N, key: string, payload: EventPayload<N>): Promise<string> {
    const envelope = await db.transaction(async (trx) => {
      await trx('accounts').insert({ id: randomUUID(), name: `${name} ${key}` });
      return outbox.add(trx, name, key, payload);
    });
    return envelope.id;
  }

  const arrived = (ids: string[], timeoutMs = 15_000) =>
    until(`${ids.length} event(s) on Kafka`, () => ids.every((id) => received.has(id)) && ids.map((id) => received.get(id)!), { timeoutMs });

  const outboxIdOf = async (eventId: string) => Number((await db(OUTBOX_TABLE).where({ event_id: eventId }).first('id')).id);

  before(async () => {
    migrations = mkdtempSync(join(tmpdir(), 'shopmesh-outbox-'));
    writeFileSync(join(migrations, '20261125000001_accounts_outbox.ts'), migration);
    db = await openDatabase({ url: MYSQL_URL, database, poolMax: 5, migrationsDir: migrations });
    kafka = createKafka(KAFKA_BROKERS, SOURCE, log);
    relay = createOutboxRelay({ db, kafka, log, service: SOURCE, topicPrefix: TOPIC_PREFIX, idleMs: 50 });
    relay.start();

    // kafkajs refuses to subscribe to a topic that does not exist yet, even with
    // allowAutoTopicCreation; on a fresh broker nothing has published to these.
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: topicOf('UserRegistered') }, { topic: topicOf('OrderCreated') }] });
    await admin.disconnect();

    consumer = kafka.consumer({ groupId: `${SOURCE}-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topicOf('UserRegistered'), topicOf('OrderCreated')], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const envelope = fromHeaders(message.headers);
        if (!envelope || envelope.source !== SOURCE) return;
        const event = Object.values(Events).find((e) => e.type === envelope.type)!;
        received.set(envelope.id, {
          topic,
          partition,
          offset: BigInt(message.offset),
          key: message.key?.toString() ?? '',
          headers: text(message.headers),
          envelope,
          payload: event.codec.decode(message.value ?? Buffer.alloc(0)),
        });
      },
    });
  });

  after(async () => {
    await consumer?.disconnect();
    await relay?.close();
    await db?.destroy();
    await dropDatabases(MYSQL_URL, [database]);
    rmSync(migrations, { recursive: true, force: true });
  });

  it('publishes a committed event with its CloudEvents headers, key and typed payload', async () => {
    const userId = randomUUID();
    const payload = { userId, displayName: 'Ada', registeredAt: new Date('2026-11-25T10:00:00.123Z') };
    const id = await emit('UserRegistered', userId, payload);
    const [message] = await arrived([id]);
    assert.equal(message.topic, `${TOPIC_PREFIX}shop.users.v1.events`);
    assert.equal(message.key, userId);
    assert.deepEqual(message.payload, payload);
    assert.equal(message.headers.ce_specversion, '1.0');
    assert.equal(message.headers.ce_id, id);
    assert.equal(message.headers.ce_type, 'shop.users.v1.UserRegistered');
    assert.equal(message.headers.ce_source, SOURCE);
    assert.match(message.headers.ce_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(message.headers['content-type'], 'application/protobuf');
  });

  it('is woken by the commit, not the poll: an event written in a savepoint is published at once at rest', async () => {
    await relay.close();
    // A poll this slow would never deliver within the test's timeout: only the commit's wake-up can.
    relay = createOutboxRelay({ db, kafka, log, service: SOURCE, topicPrefix: TOPIC_PREFIX, idleMs: 600_000 });
    relay.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const userId = randomUUID();
    const envelope = await db.transaction(async (trx) => {
      await trx('accounts').insert({ id: userId, name: 'nested' });
      // A consumer's per-event savepoint: its release is not the commit.
      return trx.transaction((savepoint) => outbox.add(savepoint, 'UserRegistered', userId, { userId, displayName: 'nested', registeredAt: new Date() }));
    });
    await arrived([envelope.id], 10_000);
    await relay.close();
    relay = createOutboxRelay({ db, kafka, log, service: SOURCE, topicPrefix: TOPIC_PREFIX, idleMs: 50 });
    relay.start();
  });

  it('creates the topics it publishes to with the configured partition count', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topic = `${TOPIC_PREFIX}partitions-${randomUUID().slice(0, 8)}`;
      const ensurer = createTopicEnsurer(admin, 4, log);
      await ensurer.ensure([topic]);
      const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      assert.equal(meta.partitions.length, 4);
      // A topic made smaller elsewhere grows to the setting.
      const grown = createTopicEnsurer(admin, 6, log);
      await grown.ensure([topic]);
      const [after] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      assert.equal(after.partitions.length, 6);
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  });

  it('marks published rows with published_at', async () => {
    const userId = randomUUID();
    const id = await emit('UserRegistered', userId, { userId, displayName: 'Grace', registeredAt: new Date() });
    await arrived([id]);
    const row = await until('published_at to be set', async () => {
      const found = await db(OUTBOX_TABLE).where({ event_id: id }).first();
      return found?.published_at ? found : undefined;
    });
    assert.ok(row.published_at.getTime() >= row.created_at.getTime());
  });

  it('publishes nothing for a rolled-back transaction', async () => {
    const userId = randomUUID();
    let rolledBack: string | undefined;
    await assert.rejects(
      db.transaction(async (trx) => {
        await trx('accounts').insert({ id: userId, name: 'never' });
        rolledBack = (await outbox.add(trx, 'UserRegistered', userId, { userId, displayName: 'never', registeredAt: new Date() })).id;
        throw new Error('payment declined');
      }),
      /payment declined/,
    );
    assert.ok(rolledBack);
    // Published in id order, so once a later event arrived the rolled-back one would have too.
    const later = randomUUID();
    await arrived([await emit('UserRegistered', later, { userId: later, displayName: 'after', registeredAt: new Date() })]);
    assert.equal(received.has(rolledBack), false);
    assert.equal(await db(OUTBOX_TABLE).where({ event_id: rolledBack }).first(), undefined);
    assert.equal(await db('accounts').where({ id: userId }).first(), undefined);
  });

  it("keeps the order of each key's events, in outbox id order per partition", async () => {
    const orders = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const order = (orderId: string) => ({
      orderId,
      userId: 'u-1',
      userDisplayName: 'Ada',
      items: [],
      total: undefined,
      paymentToken: 'tok',
      createdAt: new Date(),
    });
    const expected = new Map<string, string[]>(orders.map((o) => [o, []]));
    const ids: string[] = [];
    // Interleaved across orders, the way concurrent checkouts write them.
    for (const step of ['OrderCreated', 'OrderPaid', 'OrderCancelled'] as const) {
      for (const orderId of orders) {
        const id =
          step === 'OrderCreated'
            ? await emit('OrderCreated', orderId, order(orderId))
            : step === 'OrderPaid'
              ? await emit('OrderPaid', orderId, { orderId, userId: 'u-1', paymentId: `pay-${orderId}`, total: undefined, paidAt: new Date() })
              : await emit('OrderCancelled', orderId, { orderId, userId: 'u-1', reason: 'test', wasPaid: true, cancelledAt: new Date() });
        ids.push(id);
        expected.get(orderId)!.push(Events[step].type);
      }
    }
    const messages = await arrived(ids);
    for (const orderId of orders) {
      const ofOrder = messages.filter((m) => m.key === orderId).sort((a, b) => Number(a.offset - b.offset));
      assert.deepEqual(
        ofOrder.map((m) => m.envelope.type),
        expected.get(orderId),
        `order ${orderId}`,
      );
      assert.equal(new Set(ofOrder.map((m) => m.partition)).size, 1, 'one key, one partition');
    }
    const byPartition = new Map<number, Received[]>();
    for (const m of messages) byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m]);
    for (const list of byPartition.values()) {
      list.sort((a, b) => Number(a.offset - b.offset));
      const outboxIds = await Promise.all(list.map((m) => outboxIdOf(m.envelope.id)));
      assert.deepEqual(
        outboxIds,
        [...outboxIds].sort((a, b) => a - b),
        'offsets follow outbox ids',
      );
    }
  });

  it('never publishes a row twice when two relays drain one outbox', async () => {
    const second = createOutboxRelay({ db, kafka, log, service: SOURCE, topicPrefix: TOPIC_PREFIX, idleMs: 10 });
    second.start();
    try {
      const counts = new Map<string, number>();
      const seen = kafka.consumer({ groupId: `${SOURCE}-dupes-${randomUUID()}` });
      await seen.connect();
      await seen.subscribe({ topics: [topicOf('UserRegistered')], fromBeginning: true });
      await seen.run({
        eachMessage: async ({ message }) => {
          const id = fromHeaders(message.headers)?.id;
          if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
        },
      });
      try {
        const ids = await Promise.all(
          Array.from({ length: 30 }, async () => {
            const userId = randomUUID();
            const id = await emit('UserRegistered', userId, { userId, displayName: 'twin', registeredAt: new Date() });
            second.notify();
            return id;
          }),
        );
        await arrived(ids);
        await until('the second consumer to see them all', () => ids.every((id) => counts.has(id)), { timeoutMs: 15_000 });
        // Give a duplicate the time to show up, if there were one.
        const marker = randomUUID();
        const markerId = await emit('UserRegistered', marker, { userId: marker, displayName: 'marker', registeredAt: new Date() });
        await until('the marker', () => counts.has(markerId), { timeoutMs: 15_000 });
        assert.deepEqual(
          ids.filter((id) => counts.get(id) !== 1),
          [],
        );
      } finally {
        await seen.disconnect();
      }
    } finally {
      await second.close();
    }
  });

  it('reports the backlog and brings it to zero', async () => {
    const userId = randomUUID();
    await arrived([await emit('UserRegistered', userId, { userId, displayName: 'b', registeredAt: new Date() })]);
    await until('the backlog gauge to read 0', async () => (await metricValue('outbox_backlog', { outbox: SOURCE })) === 0);
    assert.equal(Number((await db(OUTBOX_TABLE).whereNull('published_at').count({ n: '*' }))[0].n), 0);
  });

  it('keeps events in the outbox while Kafka is unreachable, and publishes them once it is back', async () => {
    // Only one relay at a time here: the real one would publish what the stuck one cannot.
    await relay.close();
    // Nothing listens on 9399; one connection attempt per publish keeps this test short.
    const unreachable = new Kafka({ clientId: `${SOURCE}-down`, brokers: ['127.0.0.1:9399'], retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    const stuck = createOutboxRelay({ db, kafka: unreachable, log, service: SOURCE, topicPrefix: TOPIC_PREFIX, idleMs: 20 });
    let restarted = false;
    try {
      stuck.start();
      const userId = randomUUID();
      const id = await emit('UserRegistered', userId, { userId, displayName: 'waiting', registeredAt: new Date() });
      stuck.notify();
      await until('the backlog gauge to count it', async () => (await metricValue('outbox_backlog', { outbox: SOURCE })) >= 1);
      assert.equal((await db(OUTBOX_TABLE).where({ event_id: id }).first()).published_at, null);
      const { ms } = await timed(() => stuck.close());
      assert.ok(ms < 5_000, `close took ${ms} ms`);
      assert.equal(received.has(id), false);

      relay = createOutboxRelay({ db, kafka, log, service: SOURCE, topicPrefix: TOPIC_PREFIX, idleMs: 50 });
      relay.start();
      restarted = true;
      await arrived([id]);
    } finally {
      await stuck.close();
      if (!restarted) {
        relay = createOutboxRelay({ db, kafka, log, service: SOURCE, topicPrefix: TOPIC_PREFIX, idleMs: 50 });
        relay.start();
      }
    }
  });

  it('reads events back typed through createEventConsumer', async () => {
    const mine = new Map<string, { payload: EventPayload<'UserRegistered'>; envelope: Envelope }>();
    const eventConsumer = createEventConsumer(kafka, {
      groupId: `${SOURCE}-typed-${randomUUID()}`,
      db,
      log,
      topicPrefix: TOPIC_PREFIX,
      subscriptions: {
        UserRegistered: async (payload, envelope) => {
          if (envelope.source === SOURCE) mine.set(envelope.id, { payload, envelope });
        },
      },
    });
    await eventConsumer.start();
    try {
      const userId = randomUUID();
      const payload = { userId, displayName: 'Typed', registeredAt: new Date('2026-11-25T12:00:00.000Z') };
      const id = await emit('UserRegistered', userId, payload);
      const got = await until('the typed handler to get it', () => mine.get(id), { timeoutMs: 20_000 });
      assert.deepEqual(got.payload, payload);
      assert.equal(got.envelope.type, 'shop.users.v1.UserRegistered');
      assert.equal(got.envelope.source, SOURCE);
    } finally {
      await eventConsumer.close();
    }
  });
});
