import type { Span } from '@opentelemetry/api';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Db } from '../db';
import type { Logger } from '../logger';
import { eventMetrics, outboxMetrics } from '../metrics';
import { endSendSpans, startSendSpan } from './event-tracing';
import { OUTBOX_TABLE } from './outbox';

export interface RelayOptions {
  db: Db;
  kafka: Kafka;
  log: Logger;
  service: string;
  /** KAFKA_TOPIC_PREFIX: outbox rows keep the logical topic, the prefix is added on the way out. */
  topicPrefix?: string;
  batchSize?: number;
  /** Poll interval when idle; `notify()` wakes the relay sooner. */
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

/**
 * Publishes outbox rows to Kafka in id order and marks them published. The
 * head rows are locked (READ COMMITTED: no gap locks, so writers never wait)
 * while they are sent, so several instances never publish one row twice and
 * one aggregate's events keep their order. When Kafka is down rows wait and
 * the relay backs off; nothing is lost.
 */
export function createOutboxRelay({ db, kafka, log, service, topicPrefix = '', batchSize = 200, idleMs = 250 }: RelayOptions) {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: true,
    createPartitioner: Partitioners.DefaultPartitioner,
    // kafkajs retries an idempotent producer's sends without limit by default
    // (retries = MAX_SAFE_INTEGER), so a lasting retriable error (e.g.
    // NOT_ENOUGH_REPLICAS with acks=-1) would hold the batch, its row locks and
    // close() forever. The relay gives up, backs off and re-sends the batch from
    // the outbox; consumers drop the duplicates by event id.
    retry: { retries: 3 },
  });
  let connected = false;
  let running = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let failures = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  /** One batch; returns how many rows were published. */
  async function publishBatch(): Promise<number> {
    // Connecting can take the client's whole retry budget: not while holding row locks.
    if (!connected) {
      if (!(await db(OUTBOX_TABLE).whereNull('published_at').first('id'))) return 0;
      await producer.connect();
      connected = true;
    }
    return db.transaction(async (trx) => {
      const rows: OutboxRow[] = await trx(OUTBOX_TABLE)
        .select('id', 'event_type', 'topic', 'message_key', 'payload', 'headers')
        .whereNull('published_at')
        .orderBy('id')
        .limit(batchSize)
        .forUpdate();
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, OutboxRow[]>();
      for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
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
      await trx(OUTBOX_TABLE).whereIn('id', rows.map((r) => r.id)).update({ published_at: new Date() });
      for (const row of rows) eventMetrics.produced.inc({ event_type: row.event_type });
      return rows.length;
    }, { isolationLevel: 'read committed' });
  }

  async function updateBacklog(): Promise<void> {
    const [{ pending }] = await db(OUTBOX_TABLE).whereNull('published_at').count({ pending: '*' });
    outboxMetrics.backlog.set({ outbox: service }, Number(pending));
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        const published = await publishBatch();
        if (failures > 0) log.info({ afterFailures: failures }, 'outbox relay publishing again');
        failures = 0;
        await updateBacklog();
        if (published < batchSize) await sleep(idleMs);
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0) log.warn({ err: error, failures }, 'outbox relay cannot publish; events wait in the outbox');
        await updateBacklog().catch(() => undefined);
        await sleep(Math.min(idleMs * 2 ** Math.min(failures, 5), 5_000));
      }
    }
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      loop = run();
    },
    /** Call after committing an outbox row to publish it without waiting for the next poll. */
    notify(): void {
      wake?.();
    },
    async close(): Promise<void> {
      running = false;
      wake?.();
      await loop;
      if (connected) await producer.disconnect();
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
