import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import type { BaseConfig } from '../../platform/config';
import { Events, type EventName, type EventPayload } from '../../platform/events/catalog';
import { newEnvelope, toHeaders, type Envelope } from '../../platform/events/envelope';

/**
 * Publishes typed events the way the services' outbox relays do: the
 * protobuf payload as value, the CloudEvents envelope in headers, keyed by
 * aggregate id, on the event's topic (under this run's KAFKA_TOPIC_PREFIX).
 */
export function createEventBus({ KAFKA_BROKERS, KAFKA_TOPIC_PREFIX }: Pick<BaseConfig, 'KAFKA_BROKERS' | 'KAFKA_TOPIC_PREFIX'>) {
  const kafka = new Kafka({ clientId: 'event-bus-test', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
  let connecting: Promise<void> | undefined;

  /** `topic` is the logical name, as in the event catalog. */
  async function send(topic: string, message: Message): Promise<void> {
    await (connecting ??= producer.connect());
    await producer.send({ topic: KAFKA_TOPIC_PREFIX + topic, acks: -1, messages: [message] });
  }

  return {
    kafka,
    /** The topic as it is named on the broker. */
    topic: (logical: string) => KAFKA_TOPIC_PREFIX + logical,
    async publish<N extends EventName>(name: N, key: string, payload: EventPayload<N>, envelope?: Envelope): Promise<Envelope> {
      const { type, topic, codec } = Events[name];
      const sent = envelope ?? newEnvelope(type, 'event-bus-test');
      await send(topic, { key, value: Buffer.from(codec.encode(payload as never).finish()), headers: toHeaders(sent) });
      return sent;
    },
    /** Any bytes under any headers: for messages no service would produce. */
    send,
    async close(): Promise<void> {
      if (connecting) await producer.disconnect();
    },
  };
}

export type EventBus = ReturnType<typeof createEventBus>;
