import type { Admin, Consumer, Producer, RequestEvent } from 'kafkajs';
import { eventMetrics } from './event-metrics';

type Role = 'relay' | 'consumer' | 'dead-letter' | 'admin';

/**
 * Counts every request a kafkajs client sends to the brokers (produce,
 * fetch, offset commit, heartbeat, metadata, ...), from kafkajs' own
 * instrumentation events: the bench divides them by orders to show what one
 * order costs on the wire, and a dashboard can see a client that polls too often.
 */
export function countKafkaRequests(client: Producer | Consumer | Admin, role: Role): void {
  const count = ({ payload }: RequestEvent) => eventMetrics.kafkaRequests.inc({ client: role, api: payload.apiName });
  // The three client types name the same event differently; each takes its own.
  (client as { on(event: string, listener: (event: RequestEvent) => void): unknown }).on(client.events.REQUEST, count);
}
