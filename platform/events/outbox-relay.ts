import type { Span } from '@opentelemetry/api';
import type { Kafka, Producer } from 'kafkajs';
import { backoffDelay } from '../backoff';
import type { Db } from '../db';
import type { Logger } from '../logger';
import { eventMetrics, outboxMetrics } from './event-metrics';
import { endSendSpans, startSendSpan } from './event-tracing';
import { kafkajs } from './kafka';
import { countKafkaRequests } from './kafka-requests';
import { OUTBOX_TABLE } from './outbox';
import { createTopicEnsurer } from './topics';

export interface RelayOptions {
  db: Db;
  kafka: Kafka;
  log: Logger;
  service: string;
  /** KAFKA_TOPIC_PREFIX: outbox rows keep the logical topic, the prefix is added on the way out. */
  topicPrefix?: string;
  /** Partitions of the topics the relay creates (KAFKA_TOPIC_PARTITIONS). */
  partitions?: number;
  batchSize?: number;
  /** Safety-net poll interval; `notify()` (called by the outbox after each commit) wakes the relay at once. */
  idleMs?: number;
}

interface OutboxRow {
  id: string;
  event_type: string;
  topic: string;
  message_key: string;
  payload: Buffer;
  headers: string;
}

/** How long close() waits for a batch in flight. */
const CLOSE_WAIT_MS = 10_000;

/** How often the backlog is counted while the relay cannot publish, or publishes full batches. */
const BACKLOG_COUNT_INTERVAL_MS = 5_000;

/**
 * Publishes outbox rows to Kafka in id order and marks them published. The
 * head rows are locked (READ COMMITTED: no gap locks, so writers never wait)
 * while they are sent, so several instances never publish one row twice and
 * one aggregate's events keep their order. When Kafka is down rows wait and
 * the relay backs off; nothing is lost.
 *
 * Commits wake it (the outbox calls `notify`); while it publishes one batch,
 * the commits of that time gather into the next, so under load one round trip
 * to the broker and three statements carry many events. At rest it asks one
 * indexed question per poll and opens no transaction.
 */
export function createOutboxRelay({ db, kafka, log, service, topicPrefix = '', partitions = 1, batchSize = 200, idleMs = 2_000 }: RelayOptions) {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: kafkajs().Partitioners.DefaultPartitioner,
    // kafkajs retries an idempotent producer's sends without limit by default
    // (retries = MAX_SAFE_INTEGER), so a lasting retriable error (e.g.
    // NOT_ENOUGH_REPLICAS with acks=-1) would hold the batch, its row locks and
    // close() forever. The relay gives up, backs off and re-sends the batch from
    // the outbox; consumers drop the duplicates by event id.
    retry: { retries: 3 },
  });
  const admin = kafka.admin();
  countKafkaRequests(producer, 'relay');
  countKafkaRequests(admin, 'admin');
  const topics = createTopicEnsurer(admin, partitions, log);
  let connected = false;
  let running = false;
  /** Set by notify(): a commit happened since the last look, so look again before sleeping. */
  let woken = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let failures = 0;
  let lastCount = 0;

  /** A wakeable sleep ends early on notify(); a backoff after a failure does not (close() still ends it). */
  let cut: (() => void) | undefined;
  const sleep = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        cut = undefined;
        resolve();
      }
      cut = done;
      if (wakeable) wake = done;
    });

  const pendingHead = () => db(OUTBOX_TABLE).whereNull('published_at').first('id');

  /** One batch; returns how many rows were published. */
  async function publishBatch(): Promise<number> {
    // Connecting can take the client's whole retry budget: not while holding row locks.
    if (!connected) {
      if (!(await pendingHead())) return 0;
      await Promise.all([producer.connect(), admin.connect()]);
      connected = true;
    }
    return db.transaction(
      async (trx) => {
        const rows: OutboxRow[] = await trx(OUTBOX_TABLE)
          .select('id', 'event_type', 'topic', 'message_key', 'payload', 'headers')
          .whereNull('published_at')
          .orderBy('id')
          .limit(batchSize)
          .forUpdate();
        if (rows.length === 0) return 0;
        const byTopic = new Map<string, OutboxRow[]>();
        for (const row of rows) {
          const list = byTopic.get(row.topic);
          if (list) list.push(row);
          else byTopic.set(row.topic, [row]);
        }
        await topics.ensure([...byTopic.keys()].map((topic) => topicPrefix + topic));
        const spans: Span[] = [];
        const topicMessages = [...byTopic].map(([topic, list]) => ({
          topic: topicPrefix + topic,
          messages: list.map((row) => {
            const message = { key: row.message_key, value: row.payload, headers: JSON.parse(row.headers) };
            // Each event continues the trace of the request that wrote it.
            spans.push(startSendSpan(topicPrefix + topic, message));
            return message;
          }),
        }));
        try {
          await producer.sendBatch({ acks: -1, topicMessages });
        } catch (error) {
          endSendSpans(spans, error);
          throw error;
        }
        endSendSpans(spans);
        await trx(OUTBOX_TABLE)
          .whereIn(
            'id',
            rows.map((r) => r.id),
          )
          .update({ published_at: new Date() });
        for (const row of rows) eventMetrics.produced.inc({ event_type: row.event_type });
        return rows.length;
      },
      { isolationLevel: 'read committed' },
    );
  }

  /**
   * The backlog gauge without a table scan per loop: a batch that was not
   * full emptied the head, so the backlog is zero; only a full batch or a
   * failing relay (a real backlog) is counted, at most every few seconds.
   */
  async function updateBacklog(published: number, failing: boolean): Promise<void> {
    if (!failing && published < batchSize) {
      outboxMetrics.backlog.set({ outbox: service }, 0);
      return;
    }
    if (Date.now() - lastCount < BACKLOG_COUNT_INTERVAL_MS) return;
    lastCount = Date.now();
    const [{ pending }] = await db(OUTBOX_TABLE).whereNull('published_at').count({ pending: '*' });
    outboxMetrics.backlog.set({ outbox: service }, Number(pending));
  }

  async function run(): Promise<void> {
    outboxMetrics.backlog.set({ outbox: service }, 0);
    while (running) {
      try {
        woken = false;
        const published = await publishBatch();
        if (failures > 0) log.info({ afterFailures: failures }, 'outbox relay publishing again');
        failures = 0;
        await updateBacklog(published, false);
        if (published < batchSize && !woken) await sleep(idleMs, true);
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0) log.warn({ err: error, failures }, 'outbox relay cannot publish; events wait in the outbox');
        await updateBacklog(0, true).catch(() => undefined);
        // Jitter keeps the relays of many instances from retrying in step.
        await sleep(backoffDelay(failures, { initialMs: 200, maxMs: 5_000, jitter: 'equal' }), false);
      }
    }
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      loop = run();
    },
    /** Wakes the relay: something was committed to the outbox. */
    notify(): void {
      woken = true;
      wake?.();
    },
    async close(): Promise<void> {
      running = false;
      cut?.();
      // A publish in flight may be retrying against a broker that is just coming
      // back; its rows stay unpublished and locked only until its transaction
      // ends, so shutdown does not wait for it beyond a bound.
      await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
      if (connected) await Promise.all([producer.disconnect(), admin.disconnect()]);
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
