import type { Kafka, Producer } from 'kafkajs';
import { eventMetrics } from '../metrics';
import { Events, type EventName, type EventPayload } from './catalog';
import { newEnvelope, toHeaders, type Envelope } from './envelope';

/**
 * Publishes typed events: protobuf payload, envelope in headers, keyed by the
 * aggregate id so one aggregate's events stay in order. The producer is
 * idempotent and waits for every in-sync replica.
 */
export function createEventPublisher(kafka: Kafka, source: string) {
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  let connected: Promise<void> | undefined;
  const connect = () => (connected ??= producer.connect().catch((error) => {
    connected = undefined;
    throw error;
  }));

  return {
    async publish<N extends EventName>(name: N, key: string, payload: EventPayload<N>): Promise<Envelope> {
      const { type, topic, codec } = Events[name];
      const envelope = newEnvelope(type, source);
      await connect();
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key, value: Buffer.from(codec.encode(payload as never).finish()), headers: toHeaders(envelope) }],
      });
      eventMetrics.produced.inc({ event_type: type });
      return envelope;
    },

    async close(): Promise<void> {
      if (connected) await producer.disconnect();
    },
  };
}

export type EventPublisher = ReturnType<typeof createEventPublisher>;
