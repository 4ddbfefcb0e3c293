import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import type { Logger } from '../logger';
import { eventMetrics } from '../metrics';
import { Events, type EventName, type EventPayload } from './catalog';
import { fromHeaders, type Envelope } from './envelope';

export type EventHandler<T> = (payload: T, envelope: Envelope) => Promise<void>;
export type Subscriptions = { [N in EventName]?: EventHandler<EventPayload<N>> };

export interface ConsumerOptions {
  groupId: string;
  /** The one list of what this service reacts to: event name -> handler. */
  subscriptions: Subscriptions;
  log: Logger;
  fromBeginning?: boolean;
}

/**
 * Consumes typed events. The offset of a message is committed only after its
 * handler resolved (kafkajs commits resolved offsets), so delivery is
 * at-least-once; messages of other types on the same topic are skipped.
 */
export function createEventConsumer(kafka: Kafka, { groupId, subscriptions, log, fromBeginning = true }: ConsumerOptions) {
  const consumer: Consumer = kafka.consumer({ groupId, allowAutoTopicCreation: true });
  const handlers = new Map<string, { name: EventName; handle: EventHandler<unknown> }>();
  for (const [name, handle] of Object.entries(subscriptions) as [EventName, EventHandler<unknown>][]) {
    handlers.set(Events[name].type, { name, handle });
  }
  const topics = [...new Set([...handlers.keys()].map((type) => Events[handlers.get(type)!.name].topic))];

  async function eachMessage({ topic, partition, message }: EachMessagePayload) {
    const envelope = fromHeaders(message.headers);
    const entry = envelope && handlers.get(envelope.type);
    if (!envelope || !entry) {
      eventMetrics.consumed.inc({ event_type: envelope?.type ?? 'unknown', group: groupId, result: 'skipped' });
      return;
    }
    const payload = Events[entry.name].codec.decode(message.value ?? Buffer.alloc(0));
    await entry.handle(payload, envelope);
    eventMetrics.consumed.inc({ event_type: envelope.type, group: groupId, result: 'ok' });
    log.debug({ topic, partition, offset: message.offset, eventId: envelope.id, type: envelope.type }, 'event handled');
  }

  return {
    topics,
    async start(): Promise<void> {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning });
      await consumer.run({ eachMessage });
    },
    async close(): Promise<void> {
      await consumer.disconnect();
    },
  };
}
