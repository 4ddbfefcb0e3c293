import type { IHeaders, KafkaMessage } from 'kafkajs';

/** Each consumer group has its own dead-letter topic: a message one service cannot handle may be fine for another. */
export const deadLetterTopic = (group: string) => `dlq.${group}`;

export const DLQ_HEADERS = {
  error: 'dlq_error',
  attempts: 'dlq_attempts',
  topic: 'dlq_original_topic',
  partition: 'dlq_original_partition',
  offset: 'dlq_original_offset',
  group: 'dlq_group',
  failedAt: 'dlq_failed_at',
} as const;

export interface DeadLetterInfo {
  error: string;
  attempts: number;
  topic: string;
  partition: number;
  offset: string;
  group: string;
}

/** The original message, its headers untouched, plus why and where it failed. */
export function deadLetterMessage(message: KafkaMessage, info: DeadLetterInfo) {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DLQ_HEADERS.error]: info.error.slice(0, 2000),
      [DLQ_HEADERS.attempts]: String(info.attempts),
      [DLQ_HEADERS.topic]: info.topic,
      [DLQ_HEADERS.partition]: String(info.partition),
      [DLQ_HEADERS.offset]: info.offset,
      [DLQ_HEADERS.group]: info.group,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    } as IHeaders,
  };
}

const text = (value: IHeaders[string]) => (Array.isArray(value) ? value[0] : value)?.toString() ?? '';

export function readDeadLetter(headers: IHeaders = {}): DeadLetterInfo & { failedAt: string } {
  return {
    error: text(headers[DLQ_HEADERS.error]),
    attempts: Number(text(headers[DLQ_HEADERS.attempts])),
    topic: text(headers[DLQ_HEADERS.topic]),
    partition: Number(text(headers[DLQ_HEADERS.partition])),
    offset: text(headers[DLQ_HEADERS.offset]),
    group: text(headers[DLQ_HEADERS.group]),
    failedAt: text(headers[DLQ_HEADERS.failedAt]),
  };
}

/** The headers to republish with on replay: the envelope without the DLQ annotations. */
export function originalHeaders(headers: IHeaders = {}): IHeaders {
  const dlq = new Set<string>(Object.values(DLQ_HEADERS));
  return Object.fromEntries(Object.entries(headers).filter(([key]) => !dlq.has(key))) as IHeaders;
}
