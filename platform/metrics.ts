import client from 'prom-client';

/**
 * One Prometheus registry per process (prom-client's default), served on the
 * status port. Metric names for RPCs follow go-grpc-prometheus so existing
 * dashboards and alerts work unchanged.
 */
export const registry = client.register;
export { client as prom };

let defaultsCollected = false;

/** Node runtime metrics (CPU, memory, event-loop lag, GC) plus a `service` label on everything. */
export function initProcessMetrics(service: string): void {
  registry.setDefaultLabels({ service });
  if (!defaultsCollected) {
    client.collectDefaultMetrics({ register: registry });
    defaultsCollected = true;
  }
}

/** Latency buckets from 1 ms to 10 s, fine enough near the p99 of a local hop. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function once<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

const rpcLabels = ['grpc_service', 'grpc_method', 'grpc_type'] as const;

export const rpcMetrics = {
  serverStarted: once('grpc_server_started_total', () => new client.Counter({
    name: 'grpc_server_started_total', help: 'RPCs started on the server.', labelNames: rpcLabels,
  })),
  serverHandled: once('grpc_server_handled_total', () => new client.Counter({
    name: 'grpc_server_handled_total', help: 'RPCs completed on the server, by status code.', labelNames: [...rpcLabels, 'grpc_code'],
  })),
  serverSeconds: once('grpc_server_handling_seconds', () => new client.Histogram({
    name: 'grpc_server_handling_seconds', help: 'Time to handle an RPC on the server.', labelNames: rpcLabels, buckets: LATENCY_BUCKETS,
  })),
  clientHandled: once('grpc_client_handled_total', () => new client.Counter({
    name: 'grpc_client_handled_total', help: 'RPCs completed by clients, by status code.', labelNames: [...rpcLabels, 'grpc_code'],
  })),
  clientSeconds: once('grpc_client_handling_seconds', () => new client.Histogram({
    name: 'grpc_client_handling_seconds', help: 'Time from starting an RPC to its status, on the client.', labelNames: rpcLabels, buckets: LATENCY_BUCKETS,
  })),
};

export const cacheMetrics = {
  requests: once('cache_requests_total', () => new client.Counter({
    name: 'cache_requests_total', help: 'Cache lookups by cache name and result (hit, miss, error).', labelNames: ['cache', 'result'],
  })),
};

export const eventMetrics = {
  produced: once('events_produced_total', () => new client.Counter({
    name: 'events_produced_total', help: 'Events published to Kafka, by event type.', labelNames: ['event_type'],
  })),
  consumed: once('events_consumed_total', () => new client.Counter({
    name: 'events_consumed_total',
    help: 'Events taken by consumers, by result: ok, duplicate (already processed), skipped (not subscribed), dead_lettered.',
    labelNames: ['event_type', 'group', 'result'],
  })),
  retried: once('events_retried_total', () => new client.Counter({
    name: 'events_retried_total', help: 'Handler attempts that failed and were retried.', labelNames: ['event_type', 'group'],
  })),
  deadLettered: once('events_dead_lettered_total', () => new client.Counter({
    name: 'events_dead_lettered_total', help: 'Events sent to a dead-letter topic.', labelNames: ['event_type', 'group'],
  })),
  handlingSeconds: once('events_handling_seconds', () => new client.Histogram({
    name: 'events_handling_seconds', help: 'Time to handle one event, retries included.', labelNames: ['event_type', 'group'], buckets: LATENCY_BUCKETS,
  })),
  lag: once('kafka_consumer_lag', () => new client.Gauge({
    name: 'kafka_consumer_lag', help: 'Messages not yet committed by a consumer group, per partition.', labelNames: ['group', 'topic', 'partition'],
  })),
};

export const outboxMetrics = {
  backlog: once('outbox_backlog', () => new client.Gauge({
    name: 'outbox_backlog', help: 'Outbox rows not yet published to Kafka.', labelNames: ['outbox'],
  })),
};
