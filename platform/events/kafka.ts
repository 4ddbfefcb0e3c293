import './kafkajs-idle-fix';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../logger';
import { createStartupGrace } from '../startup-grace';

type Level = 'error' | 'warn' | 'info' | 'debug';

const levels: Record<number, Level> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
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
  if (namespace === 'Connection' && message.startsWith('Response ') && level <= logLevel.WARN) {
    return typeof error === 'string' && expected.has(error) ? 'debug' : 'warn';
  }
  return levels[level] ?? 'info';
}

/** A kafkajs client whose logs go through pino, at warn and above by default. */
export function createKafka(brokers: string, clientId: string, log: Logger): Kafka {
  const kafkaLog = log.child({ component: 'kafka' });
  const grace = createStartupGrace(GRACE_MS);
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
