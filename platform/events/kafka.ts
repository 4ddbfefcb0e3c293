import type * as KafkaJs from 'kafkajs';
import type { Kafka, LogEntry, logLevel } from 'kafkajs';
import type { Logger } from '../logger';
import { createStartupGrace } from '../startup-grace';

let loaded: typeof KafkaJs | undefined;

/**
 * kafkajs itself, loaded on first use with its idle-loop fix applied
 * (kafkajs-idle-fix.ts). Not at start-up: the gateway and the registry never
 * produce or consume, and kafkajs is ~140 modules held for the life of the
 * process (docs/benchmarks.md, memory). Every value taken from kafkajs in
 * platform/ goes through here.
 */
export function kafkajs(): typeof KafkaJs {
  if (!loaded) {
    require('./kafkajs-idle-fix');
    loaded = require('kafkajs') as typeof KafkaJs;
  }
  return loaded;
}

type Level = 'error' | 'warn' | 'info' | 'debug';

/** kafkajs's `logLevel` values, written out so that mapping a level does not load kafkajs (kafka.spec.ts pins them). */
export const KAFKA_LOG_LEVEL = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const;

const levels: Record<number, Level> = {
  [KAFKA_LOG_LEVEL.ERROR]: 'error',
  [KAFKA_LOG_LEVEL.WARN]: 'warn',
  [KAFKA_LOG_LEVEL.INFO]: 'info',
  [KAFKA_LOG_LEVEL.DEBUG]: 'debug',
};

/**
 * Broker answers that are part of a normal start (kafkajs 2.2.4's wording):
 * topics created by another service first, a fresh broker still creating
 * __consumer_offsets and electing the group coordinator, leaders of new
 * partitions being elected, a group rebalancing as its members join. kafkajs
 * retries every one of them.
 */
export const EXPECTED_BROKER_ANSWERS = [
  'Topic creation errors', // TOPIC_ALREADY_EXISTS, which admin.createTopics treats as success
  'The group coordinator is not available',
  "The coordinator is loading and hence can't process requests for this group",
  'This is not the correct coordinator for this group',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server is not the leader for that topic-partition',
  'This server does not host this topic-partition',
  'The group is rebalancing, so a rejoin is needed',
] as const;
const expected = new Set<string>(EXPECTED_BROKER_ANSWERS);

/** How long an expected answer may keep coming before it is worth one info line. */
const GRACE_MS = 30_000;

/**
 * The level a kafkajs log line deserves in our logs. kafkajs's Connection logs
 * every failed response at error before its caller has decided anything; the
 * caller retries, or gives up and throws to our code, which logs what failed
 * in its own words. So a failed response is debug when it is an expected
 * start-up answer and warn otherwise; everything else keeps kafkajs's level.
 */
export function kafkaLogLevel(namespace: string, level: logLevel, message: string, error: unknown): Level {
  // Our producers cap retries on purpose (a relay must give up and back off
  // while Kafka is down); deduplication is the consumers' job, by event id.
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  if (namespace === 'Connection' && message.startsWith('Response ') && level <= KAFKA_LOG_LEVEL.WARN) {
    return typeof error === 'string' && expected.has(error) ? 'debug' : 'warn';
  }
  return levels[level] ?? 'info';
}

/**
 * A kafkajs client whose logs go through pino, at warn and above by default.
 * Cheap until used: kafkajs loads, and the client is built, with the first
 * producer, consumer or admin asked of it.
 */
export function createKafka(brokers: string, clientId: string, log: Logger): Kafka {
  let client: Kafka | undefined;
  const get = () => (client ??= buildKafka(brokers, clientId, log));
  return {
    producer: (config) => get().producer(config),
    consumer: (config) => get().consumer(config),
    admin: (config) => get().admin(config),
    logger: () => get().logger(),
  };
}

function buildKafka(brokers: string, clientId: string, log: Logger): Kafka {
  const kafkaLog = log.child({ component: 'kafka' });
  const grace = createStartupGrace(GRACE_MS);
  const { Kafka, logLevel } = kafkajs();
  return new Kafka({
    clientId,
    brokers: brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, ...extra } = entry;
        const mapped = kafkaLogLevel(namespace, level, message, extra.error);
        kafkaLog[mapped]({ namespace, ...extra }, message);
        // An expected answer that keeps coming is said once, plainly.
        if (mapped === 'debug' && typeof extra.error === 'string' && expected.has(extra.error) && grace.lasted(extra.error)) {
          kafkaLog.info({ namespace, answer: extra.error }, `Kafka has answered "${extra.error}" for ${GRACE_MS / 1000} s; still retrying`);
        }
      },
  });
}
