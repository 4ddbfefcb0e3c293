import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/**
 * Spans of events on Kafka, with OpenTelemetry's messaging and CloudEvents
 * attribute names. The trace context travels in the `traceparent` header:
 * the outbox stores the writer's context with the event, the relay starts the
 * producer span from it and puts its own context in the header it sends, and
 * a consumer continues from that header. One order is then one trace, from
 * the caller through every service the event reaches.
 *
 * Without a registered SDK (tracing off) every call here is a no-op and the
 * headers leave as they were stored.
 */
const tracer = trace.getTracer('shopmesh.events');

const text = (value: IHeaders[string]) => (Array.isArray(value) ? value[0] : value)?.toString();

const headerGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => text(carrier[key]),
};

/** Semantic-convention names (messaging.* and cloudevents.* are still "incubating", so spelled out here). */
const MESSAGING = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  key: 'messaging.kafka.message.key',
  offset: 'messaging.kafka.offset',
  eventType: 'cloudevents.event_type',
  eventSource: 'cloudevents.event_source',
} as const;

function messageAttributes(topic: string, key: unknown, headers: IHeaders): Attributes {
  return {
    [MESSAGING.system]: 'kafka',
    [MESSAGING.destination]: topic,
    [MESSAGING.key]: key == null ? undefined : String(key),
    [MESSAGING.messageId]: text(headers.ce_id),
    [MESSAGING.eventType]: text(headers.ce_type),
    [MESSAGING.eventSource]: text(headers.ce_source),
  };
}

/**
 * Starts the PRODUCER span of one message about to be sent. Its parent is the
 * context the message carries (the outbox stored the writer's); with
 * `propagate` the message's header then carries the new span, so the consumer
 * becomes its child. A dead-lettered copy keeps its original header instead.
 */
export function startSendSpan(
  topic: string,
  message: { key?: unknown; headers?: IHeaders },
  { propagate = true, parent }: { propagate?: boolean; parent?: Context } = {},
): Span {
  const headers = (message.headers ??= {});
  const from = parent ?? propagation.extract(ROOT_CONTEXT, headers, headerGetter);
  const span = tracer.startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { ...messageAttributes(topic, message.key, headers), [MESSAGING.operationType]: 'send', [MESSAGING.operationName]: 'send' },
    },
    from,
  );
  if (propagate) {
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(from, span), carrier);
    Object.assign(headers, carrier);
  }
  return span;
}

/** Ends send spans once the broker answered (or did not). */
export function endSendSpans(spans: Span[], error?: unknown): void {
  for (const span of spans) {
    if (error) failSpan(span, error);
    span.end();
  }
}

/**
 * Runs `work` for one consumed message inside its CONSUMER span, the child of
 * the producer span named in the message's header: whatever the handler does
 * (queries, calls, events it writes to its outbox) joins the same trace.
 */
export async function inProcessSpan<T>(topic: string, partition: number, message: KafkaMessage, group: string, work: (span: Span) => Promise<T>): Promise<T> {
  const headers = message.headers ?? {};
  const parent = propagation.extract(ROOT_CONTEXT, headers, headerGetter);
  const span = tracer.startSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messageAttributes(topic, message.key, headers),
        [MESSAGING.operationType]: 'process',
        [MESSAGING.operationName]: 'process',
        [MESSAGING.consumerGroup]: group,
        [MESSAGING.partition]: String(partition),
        [MESSAGING.offset]: Number(message.offset),
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks a span failed with the error's message (never a payload: events carry personal data). */
export function failSpan(span: Span | undefined, error: unknown): void {
  if (!span) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
