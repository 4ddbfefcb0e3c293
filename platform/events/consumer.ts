import { context, trace } from '@opentelemetry/api';
import type { Batch, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import { backoffDelay } from '../backoff';
import type { Db } from '../db';
import { transientFailure } from '../db-errors';
import { Code, RpcError } from '../errors';
import type { Logger } from '../logger';
import { eventMetrics } from './event-metrics';
import { Events, type EventName, type EventPayload } from './catalog';
import { deadLetterMessage, deadLetterTopic } from './dead-letter';
import { fromHeaders, type Envelope } from './envelope';
import { endSendSpans, failSpan, inProcessSpan, startSendSpan } from './event-tracing';
import { kafkajs } from './kafka';
import { countKafkaRequests } from './kafka-requests';
import { claimEvents, MAX_EVENT_ID_LENGTH } from './processed-events';
import { createTopicEnsurer } from './topics';

/** Handlers run inside the transaction that records the event as processed. */
export type EventHandler<T> = (payload: T, envelope: Envelope, trx: Knex.Transaction) => Promise<void>;
export type Subscriptions = { [N in EventName]?: EventHandler<EventPayload<N>> };

export interface ConsumerOptions {
  groupId: string;
  /** The one list of what this service reacts to: event name -> handler. */
  subscriptions: Subscriptions;
  db: Db;
  log: Logger;
  /** Attempts per message before it is dead-lettered (first try included); transient infrastructure failures never count. */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt, capped at 5 s. */
  retryBaseMs?: number;
  fromBeginning?: boolean;
  lagIntervalMs?: number;
  /** KAFKA_TOPIC_PREFIX of the environment; also prefixes the dead-letter topic. */
  topicPrefix?: string;
  /** Partitions of the topics this consumer creates when they do not exist yet (KAFKA_TOPIC_PARTITIONS). */
  partitions?: number;
  /** Partitions handled at once by this instance (KAFKA_CONSUMER_CONCURRENCY). */
  concurrency?: number;
  /** Events claimed and handled in one transaction, at most (EVENT_BATCH_SIZE). */
  batchSize?: number;
  /** Longest wait between two tries while the database (or a callee) is unavailable. */
  maxOutageBackoffMs?: number;
}

/** An error no retry can fix: the message goes to the dead-letter topic at once. */
export class PermanentEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentEventError';
  }
}

// Codes that mean the request itself is wrong, so retrying cannot help.
const PERMANENT_CODES = new Set([
  Code.INVALID_ARGUMENT,
  Code.NOT_FOUND,
  Code.FAILED_PRECONDITION,
  Code.ALREADY_EXISTS,
  Code.PERMISSION_DENIED,
  Code.UNAUTHENTICATED,
  Code.OUT_OF_RANGE,
]);
const isPermanent = (error: unknown) => error instanceof PermanentEventError || (error instanceof RpcError && PERMANENT_CODES.has(error.code));
// Codes of a callee that is down or busy: like a database outage, not the event's fault.
const OUTAGE_CODES = new Set([Code.UNAVAILABLE, Code.ABORTED]);
/**
 * The infrastructure is down or contended (connection lost, server shutting
 * down, deadlock, lock wait, pool exhausted, callee unavailable): the event is
 * fine, so it is retried until the infrastructure is back, never dead-lettered.
 */
const isOutage = (error: unknown) => transientFailure(error) !== undefined || (error instanceof RpcError && OUTAGE_CODES.has(error.code));

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

type Entry = { name: EventName; handle: EventHandler<unknown> };

/**
 * Offsets of handled batches are committed to Kafka at most this often (or
 * every EVENT_BATCH_SIZE events): one OffsetCommit request per batch was a
 * third of the consumers' Kafka traffic. A crash replays at most this much,
 * and the replay is harmless: every event is claimed in processed_events.
 */
const OFFSET_COMMIT_INTERVAL_MS = 1_000;

/** A consumed message this group handles, decoded. */
interface Work {
  message: KafkaMessage;
  envelope: Envelope;
  entry: Entry;
  payload: unknown;
}

/** Thrown to leave a batch whose partition this member no longer owns (rebalance) or when closing. */
class BatchAbandoned extends Error {
  override name = 'BatchAbandoned';
}

/**
 * Consumes typed events at least once and handles each exactly once per group.
 *
 * Messages arrive in batches per partition (kafkajs `eachBatch`), several
 * partitions at once. The events of a batch are claimed in one multi-row
 * INSERT and handled, in partition order, in one transaction; the offset is
 * resolved after that transaction commits and committed to Kafka with the
 * others at most every second. So a batch of 50 events costs a BEGIN, one
 * claim, the handlers' own statements and a COMMIT, instead of 50 of each.
 *
 * When a batch fails:
 * - an outage (see isOutage) pauses this partition: the same batch is retried
 *   with jittered exponential backoff, heart-beating to keep the group
 *   membership, until the database is back. Nothing is dead-lettered for it.
 * - any other error is the batch's fault, but maybe only one event's: the
 *   batch is replayed one event per transaction, so the poison event alone
 *   is retried (bounded, with backoff) and then goes to `dlq.<group>` with
 *   the error, attempts and origin in headers; the others are handled.
 */
export function createEventConsumer(kafka: Kafka, options: ConsumerOptions) {
  const {
    groupId,
    subscriptions,
    db,
    log,
    maxAttempts = 5,
    retryBaseMs = 100,
    fromBeginning = true,
    lagIntervalMs = 10_000,
    topicPrefix = '',
    partitions = 1,
    concurrency = 1,
    batchSize = 100,
    maxOutageBackoffMs = 10_000,
  } = options;
  // A 10 s session (kafkajs defaults to 30 s) bounds how long a group waits for
  // members that vanished, e.g. after a broker restart, before it rebalances.
  // The prefix isolates the group too: two environments on one cluster never share offsets.
  const consumer: Consumer = kafka.consumer({
    groupId: topicPrefix + groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const producer: Producer = kafka.producer({ createPartitioner: kafkajs().Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
  const admin = kafka.admin();
  countKafkaRequests(consumer, 'consumer');
  countKafkaRequests(producer, 'dead-letter');
  countKafkaRequests(admin, 'admin');
  const handlers = new Map<string, Entry>();
  for (const [name, handle] of Object.entries(subscriptions) as [EventName, EventHandler<unknown>][]) {
    handlers.set(Events[name].type, { name, handle });
  }
  const topics = [...new Set([...handlers.values()].map(({ name }) => topicPrefix + Events[name].topic))];
  // Failure counters start at zero for everything this group handles, so a
  // rate or an alert on them reads 0, not "no data", until the first failure.
  for (const type of handlers.keys()) {
    eventMetrics.retried.inc({ event_type: type, group: groupId }, 0);
    eventMetrics.deadLettered.inc({ event_type: type, group: groupId }, 0);
  }
  let stopping = false;
  let lagTimer: NodeJS.Timeout | undefined;

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function deadLetter(batch: Batch, message: KafkaMessage, type: string, error: unknown, attempts: number) {
    const { topic, partition } = batch;
    failSpan(trace.getActiveSpan(), error);
    const letter = deadLetterMessage(message, { error: errorText(error), attempts, topic, partition, offset: message.offset, group: groupId });
    // The copy keeps the original traceparent, so a replay continues the original trace.
    const span = startSendSpan(topicPrefix + deadLetterTopic(groupId), letter, { propagate: false, parent: context.active() });
    try {
      await producer.send({ topic: topicPrefix + deadLetterTopic(groupId), acks: -1, messages: [letter] });
    } catch (sendError) {
      endSendSpans([span], sendError);
      throw sendError;
    }
    endSendSpans([span]);
    eventMetrics.deadLettered.inc({ event_type: type, group: groupId });
    eventMetrics.consumed.inc({ event_type: type, group: groupId, result: 'dead_lettered' });
    log.error({ err: error, topic, partition, offset: message.offset, type, attempts }, 'event dead-lettered');
  }

  /** Sorts a batch's messages into work to handle, and letters to dead-letter at once (undecodable, foreign). */
  function triage(messages: KafkaMessage[]) {
    const work: Work[] = [];
    const poison: { message: KafkaMessage; type: string; error: Error }[] = [];
    for (const message of messages) {
      const envelope = fromHeaders(message.headers);
      const entry = envelope && handlers.get(envelope.type);
      if (!envelope) {
        poison.push({ message, type: 'unknown', error: new PermanentEventError('message without CloudEvents headers (ce_id, ce_type, ce_source, ce_time)') });
      } else if (!entry) {
        eventMetrics.consumed.inc({ event_type: envelope.type, group: groupId, result: 'skipped' });
      } else if (envelope.id.length > MAX_EVENT_ID_LENGTH) {
        poison.push({ message, type: envelope.type, error: new PermanentEventError(`event id longer than ${MAX_EVENT_ID_LENGTH} characters`) });
      } else {
        try {
          work.push({ message, envelope, entry, payload: Events[entry.name].codec.decode(message.value ?? Buffer.alloc(0)) });
        } catch (error) {
          poison.push({ message, type: envelope.type, error: new PermanentEventError(`cannot decode ${envelope.type}: ${(error as Error).message}`) });
        }
      }
    }
    return { work, poison };
  }

  /**
   * Claims and handles `work` in one transaction, each handler in the
   * CONSUMER span of its message. Returns how many were fresh.
   */
  async function handleTogether(batch: Batch, work: Work[]): Promise<number> {
    const started = process.hrtime.bigint();
    const fresh = await db.transaction(async (trx) => {
      const claimed = await claimEvents(
        trx,
        groupId,
        work.map((w) => ({ id: w.envelope.id, type: w.envelope.type })),
      );
      const handled: Work[] = [];
      for (const item of work) {
        if (!claimed.delete(item.envelope.id)) continue;
        await inProcessSpan(batch.topic, batch.partition, item.message, groupId, () => item.entry.handle(item.payload, item.envelope, trx));
        handled.push(item);
      }
      return handled;
    });
    // The batch's time shared out over its events: what one event cost.
    const seconds = Number(process.hrtime.bigint() - started) / 1e9 / Math.max(work.length, 1);
    const freshIds = new Set(fresh.map((w) => w.envelope.id));
    for (const item of work) {
      const labels = { event_type: item.envelope.type, group: groupId };
      eventMetrics.handlingSeconds.observe({ labels, value: seconds });
      eventMetrics.consumed.inc({ ...labels, result: freshIds.has(item.envelope.id) ? 'ok' : 'duplicate' });
      freshIds.delete(item.envelope.id);
    }
    return fresh.length;
  }

  /**
   * Runs `attempt` until it succeeds, waiting out outages for as long as
   * they last (heart-beating, so the group keeps this member). Any other
   * error is thrown to the caller.
   */
  async function throughOutages<T>(payload: EachBatchPayload, what: string, attempt: () => Promise<T>): Promise<T> {
    for (let failures = 0; ; failures++) {
      if (stopping || !payload.isRunning() || payload.isStale()) throw new BatchAbandoned(what);
      try {
        const result = await attempt();
        if (failures > 0) log.info({ topic: payload.batch.topic, partition: payload.batch.partition, failures }, 'infrastructure back; consuming again');
        return result;
      } catch (error) {
        if (!isOutage(error)) throw error;
        if (failures === 0 || failures % 20 === 0) {
          log.warn(
            { err: error, topic: payload.batch.topic, partition: payload.batch.partition, failures: failures + 1 },
            `${what} waits: infrastructure unavailable; retrying, nothing is dead-lettered`,
          );
        }
        eventMetrics.outageRetries.inc({ group: groupId });
        await sleep(backoffDelay(failures, { initialMs: 200, maxMs: maxOutageBackoffMs, jitter: 'equal' }));
        await payload.heartbeat().catch(() => undefined);
      }
    }
  }

  /** One event in its own transaction: bounded retries, then the dead-letter topic. Outages never count as attempts. */
  async function handleAlone(payload: EachBatchPayload, item: Work): Promise<void> {
    const labels = { event_type: item.envelope.type, group: groupId };
    for (let attempt = 1; ; attempt++) {
      try {
        await throughOutages(payload, 'event', () => handleTogether(payload.batch, [item]));
        return;
      } catch (error) {
        if (error instanceof BatchAbandoned) throw error;
        if (isPermanent(error) || attempt >= maxAttempts) {
          return inProcessSpan(payload.batch.topic, payload.batch.partition, item.message, groupId, () =>
            deadLetter(payload.batch, item.message, item.envelope.type, error, attempt),
          );
        }
        eventMetrics.retried.inc(labels);
        log.warn({ err: error, eventId: item.envelope.id, type: item.envelope.type, attempt }, 'event handler failed; retrying');
        await sleep(backoffDelay(attempt, { initialMs: retryBaseMs, maxMs: 5_000, jitter: 'equal' }));
        await payload.heartbeat().catch(() => undefined);
      }
    }
  }

  async function eachBatch(payload: EachBatchPayload) {
    const { batch } = payload;
    try {
      for (let start = 0; start < batch.messages.length; start += batchSize) {
        if (stopping || !payload.isRunning() || payload.isStale()) return;
        const chunk = batch.messages.slice(start, start + batchSize);
        const { work, poison } = triage(chunk);
        if (work.length > 0) {
          try {
            await throughOutages(payload, 'batch', () => handleTogether(batch, work));
          } catch (error) {
            if (error instanceof BatchAbandoned) throw error;
            log.warn({ err: error, topic: batch.topic, partition: batch.partition, events: work.length }, 'batch failed; handling its events one by one');
            for (const item of work) await handleAlone(payload, item);
          }
        }
        for (const { message, type, error } of poison) await deadLetter(batch, message, type, error, 1);
        // Resolved only once the transaction committed; kafkajs commits resolved
        // offsets at most every OFFSET_COMMIT_INTERVAL_MS (and when it stops).
        payload.resolveOffset(chunk[chunk.length - 1].offset);
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
      }
    } catch (error) {
      // Left on purpose: whoever owns the partition now resumes from the last committed offset.
      if (error instanceof BatchAbandoned) return;
      throw error;
    }
  }

  async function updateLag() {
    try {
      const committed = await admin.fetchOffsets({ groupId: topicPrefix + groupId, topics });
      for (const { topic, partitions: done } of committed) {
        const ends = await admin.fetchTopicOffsets(topic);
        for (const end of ends) {
          const position = done.find((p) => p.partition === end.partition);
          const at = position && Number(position.offset) >= 0 ? Number(position.offset) : Number(end.low);
          eventMetrics.lag.set({ group: groupId, topic, partition: String(end.partition) }, Math.max(Number(end.high) - at, 0));
        }
      }
    } catch (error) {
      log.debug({ err: error }, 'consumer lag not available');
    }
  }

  return {
    topics,
    groupId,
    /**
     * Connects, makes sure the topics exist with the configured partitions (a
     * consumer may start before any producer has written), subscribes and
     * runs; retried with backoff until it works or the consumer is closed, so
     * a broker that is late or down at start-up only delays consumption.
     */
    async start(): Promise<void> {
      for (let attempt = 1; !stopping; attempt++) {
        try {
          await Promise.all([consumer.connect(), producer.connect(), admin.connect()]);
          await createTopicEnsurer(admin, partitions, log).ensure(topics);
          await consumer.subscribe({ topics, fromBeginning });
          await consumer.run({
            autoCommit: true,
            autoCommitInterval: OFFSET_COMMIT_INTERVAL_MS,
            autoCommitThreshold: batchSize,
            partitionsConsumedConcurrently: concurrency,
            eachBatchAutoResolve: false,
            eachBatch,
          });
          lagTimer = setInterval(() => void updateLag(), lagIntervalMs);
          lagTimer.unref();
          return;
        } catch (error) {
          if (stopping) return;
          log.warn({ err: error, attempt }, 'consumer cannot start yet; retrying');
          await sleep(backoffDelay(attempt - 1, { initialMs: 500, maxMs: 8_000, jitter: 'none' }));
        }
      }
    },
    /** Lag as of now, for tests and dashboards that cannot wait for the next interval. */
    updateLag,
    async close(): Promise<void> {
      stopping = true;
      clearInterval(lagTimer);
      await consumer.disconnect();
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    },
  };
}

export type EventConsumer = ReturnType<typeof createEventConsumer>;
