import { context, trace } from '@opentelemetry/api';
import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { Knex } from 'knex';
import type { Db } from '../db';
import { Code, RpcError } from '../errors';
import type { Logger } from '../logger';
import { eventMetrics } from '../metrics';
import { Events, type EventName, type EventPayload } from './catalog';
import { deadLetterMessage, deadLetterTopic } from './dead-letter';
import { fromHeaders, type Envelope } from './envelope';
import { endSendSpans, failSpan, inProcessSpan, startSendSpan } from './event-tracing';
import { claimEvent, MAX_EVENT_ID_LENGTH } from './processed-events';

/** Handlers run inside the transaction that records the event as processed. */
export type EventHandler<T> = (payload: T, envelope: Envelope, trx: Knex.Transaction) => Promise<void>;
export type Subscriptions = { [N in EventName]?: EventHandler<EventPayload<N>> };

export interface ConsumerOptions {
  groupId: string;
  /** The one list of what this service reacts to: event name -> handler. */
  subscriptions: Subscriptions;
  db: Db;
  log: Logger;
  /** Attempts per message before it is dead-lettered (first try included). */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt, capped at 5 s. */
  retryBaseMs?: number;
  fromBeginning?: boolean;
  lagIntervalMs?: number;
  /** KAFKA_TOPIC_PREFIX of the environment; also prefixes the dead-letter topic. */
  topicPrefix?: string;
}

/** An error no retry can fix: the message goes to the dead-letter topic at once. */
export class PermanentEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentEventError';
  }
}

// Codes that mean the request itself is wrong, so retrying cannot help.
const PERMANENT_CODES = new Set([Code.INVALID_ARGUMENT, Code.NOT_FOUND, Code.FAILED_PRECONDITION, Code.ALREADY_EXISTS, Code.PERMISSION_DENIED, Code.UNAUTHENTICATED, Code.OUT_OF_RANGE]);
const isPermanent = (error: unknown) =>
  error instanceof PermanentEventError || (error instanceof RpcError && PERMANENT_CODES.has(error.code));

/**
 * Consumes typed events at least once and handles each exactly once per group:
 * the handler runs in a transaction that also claims the event id, and the
 * offset is committed only after that transaction commits. Transient failures
 * are retried with bounded exponential backoff; a message that keeps failing,
 * or cannot be decoded, goes to `dlq.<group>` with the error, the attempt
 * count and its origin in headers, and the consumer moves on.
 */
export function createEventConsumer(kafka: Kafka, options: ConsumerOptions) {
  const { groupId, subscriptions, db, log, maxAttempts = 5, retryBaseMs = 100, fromBeginning = true, lagIntervalMs = 10_000, topicPrefix = '' } = options;
  // A 10 s session (kafkajs defaults to 30 s) bounds how long a group waits for
  // members that vanished, e.g. after a broker restart, before it rebalances.
  // The prefix isolates the group too: two environments on one cluster never share offsets.
  const consumer: Consumer = kafka.consumer({ groupId: topicPrefix + groupId, allowAutoTopicCreation: true, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
  const admin = kafka.admin();
  const handlers = new Map<string, { name: EventName; handle: EventHandler<unknown> }>();
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

  async function deadLetter(payload: EachMessagePayload, type: string, error: unknown, attempts: number) {
    const { topic, partition, message } = payload;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    failSpan(trace.getActiveSpan(), error);
    const letter = deadLetterMessage(message, { error: reason, attempts, topic, partition, offset: message.offset, group: groupId });
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

  /** Runs the handler until it succeeds, fails for good, or attempts run out. */
  async function handle(payload: EachMessagePayload, envelope: Envelope, entry: { name: EventName; handle: EventHandler<unknown> }) {
    let decoded: unknown;
    try {
      decoded = Events[entry.name].codec.decode(payload.message.value ?? Buffer.alloc(0));
    } catch (error) {
      return deadLetter(payload, envelope.type, new PermanentEventError(`cannot decode ${envelope.type}: ${(error as Error).message}`), 1);
    }
    const labels = { event_type: envelope.type, group: groupId };
    const stop = eventMetrics.handlingSeconds.startTimer(labels);
    for (let attempt = 1; ; attempt++) {
      try {
        const fresh = await db.transaction(async (trx) => {
          if (!(await claimEvent(trx, envelope.id, groupId, envelope.type))) return false;
          await entry.handle(decoded, envelope, trx);
          return true;
        });
        eventMetrics.consumed.inc({ ...labels, result: fresh ? 'ok' : 'duplicate' });
        stop();
        return;
      } catch (error) {
        if (stopping) throw error;
        if (isPermanent(error) || attempt >= maxAttempts) {
          stop();
          return deadLetter(payload, envelope.type, error, attempt);
        }
        eventMetrics.retried.inc(labels);
        trace.getActiveSpan()?.recordException(error instanceof Error ? error : String(error));
        log.warn({ err: error, eventId: envelope.id, type: envelope.type, attempt }, 'event handler failed; retrying');
        await sleep(Math.min(retryBaseMs * 2 ** (attempt - 1), 5_000));
        await payload.heartbeat();
      }
    }
  }

  async function eachMessage(payload: EachMessagePayload) {
    const { topic, partition, message } = payload;
    await inProcessSpan(payload, groupId, async () => {
      const envelope = fromHeaders(message.headers);
      const entry = envelope && handlers.get(envelope.type);
      if (!envelope) {
        await deadLetter(payload, 'unknown', new PermanentEventError('message without CloudEvents headers (ce_id, ce_type, ce_source, ce_time)'), 1);
      } else if (!entry) {
        eventMetrics.consumed.inc({ event_type: envelope.type, group: groupId, result: 'skipped' });
      } else if (envelope.id.length > MAX_EVENT_ID_LENGTH) {
        await deadLetter(payload, envelope.type, new PermanentEventError(`event id longer than ${MAX_EVENT_ID_LENGTH} characters`), 1);
      } else {
        await handle(payload, envelope, entry);
      }
    });
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  }

  async function updateLag() {
    try {
      const committed = await admin.fetchOffsets({ groupId: topicPrefix + groupId, topics });
      for (const { topic, partitions } of committed) {
        const ends = await admin.fetchTopicOffsets(topic);
        for (const end of ends) {
          const done = partitions.find((p) => p.partition === end.partition);
          const position = done && Number(done.offset) >= 0 ? Number(done.offset) : Number(end.low);
          eventMetrics.lag.set({ group: groupId, topic, partition: String(end.partition) }, Math.max(Number(end.high) - position, 0));
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
     * Connects, makes sure the topics exist (a consumer may start before any
     * producer has written), subscribes and runs; retried with backoff until it
     * works or the consumer is closed, so a broker that is late or down at
     * start-up only delays consumption.
     */
    async start(): Promise<void> {
      for (let attempt = 1; !stopping; attempt++) {
        try {
          await Promise.all([consumer.connect(), producer.connect(), admin.connect()]);
          await admin.createTopics({ topics: topics.map((topic) => ({ topic })), waitForLeaders: true });
          await consumer.subscribe({ topics, fromBeginning });
          await consumer.run({ autoCommit: false, eachMessage });
          lagTimer = setInterval(() => void updateLag(), lagIntervalMs);
          lagTimer.unref();
          return;
        } catch (error) {
          if (stopping) return;
          log.warn({ err: error, attempt }, 'consumer cannot start yet; retrying');
          await sleep(Math.min(500 * 2 ** Math.min(attempt - 1, 4), 8_000));
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
