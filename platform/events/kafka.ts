import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../logger';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through pino, at warn and above by default. */
export function createKafka(brokers: string, clientId: string, log: Logger): Kafka {
  const kafkaLog = log.child({ component: 'kafka' });
  return new Kafka({
    clientId,
    brokers: brokers.split(',').map((b) => b.trim()).filter(Boolean),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log: entry }: LogEntry) => {
      const { message, ...extra } = entry;
      // Our producers cap retries on purpose (a relay must give up and back off
      // while Kafka is down); deduplication is the consumers' job, by event id.
      const quiet = message.startsWith('Limiting retries for the idempotent producer');
      kafkaLog[quiet ? 'debug' : (levels[level] ?? 'info')]({ namespace: entry.namespace, ...extra }, message);
    },
  });
}
