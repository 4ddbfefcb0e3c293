import { context, isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import client from 'prom-client';

/**
 * One Prometheus registry per process (prom-client's default), served on the
 * status port. Metric names for RPCs follow go-grpc-prometheus so existing
 * dashboards and alerts work unchanged.
 */
export const registry = client.register;
export { client as prom };

let defaultsCollected = false;
let defaultLabels: Record<string, string> = {};

/** Node runtime metrics (CPU, memory, event-loop lag, GC) plus a `service` label on everything. */
export function initProcessMetrics(service: string): void {
  defaultLabels = { service };
  registry.setDefaultLabels(defaultLabels);
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

/** The sampled span active now, as exemplar labels (Grafana links `trace_id` to the trace store). */
function traceExemplar(): Record<string, string> {
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span) || !(span.traceFlags & TraceFlags.SAMPLED)) return {};
  return { trace_id: span.traceId, span_id: span.spanId };
}

/**
 * A latency histogram whose timers attach, as an exemplar, the trace that was
 * active when they started: a slow bucket in Grafana links to a slow trace.
 * Exemplars appear only in the OpenMetrics exposition (see `exposition`), and
 * only while tracing is on.
 */
class TracedHistogram<T extends string> extends client.Histogram<T> {
  constructor(config: client.HistogramConfiguration<T>) {
    // prom-client refuses exemplars on a registry whose format is the text one,
    // so the metric joins the registry here; the text format leaves them out.
    super({ ...config, enableExemplars: true, registers: [] });
    registry.registerMetric(this);
  }

  override startTimer(labels?: client.LabelValues<T>): (labels?: client.LabelValues<T>) => number {
    const exemplarLabels = traceExemplar();
    const started = process.hrtime.bigint();
    return (endLabels) => {
      const value = Number(process.hrtime.bigint() - started) / 1e9;
      this.observe({ labels: { ...labels, ...endLabels } as client.LabelValues<T>, value, exemplarLabels: exemplarLabels as client.LabelValues<T> });
      return value;
    };
  }
}

const OPENMETRICS = /application\/openmetrics-text(?![^,]*;\s*q=0(\.0*)?\s*(,|$))/;

/**
 * The body /metrics answers: OpenMetrics, which carries exemplars, when the
 * scraper's Accept header asks for it (Prometheus does), the classic text
 * format otherwise (curl, older scrapers).
 */
export async function exposition(accept = ''): Promise<{ contentType: string; body: string }> {
  if (!OPENMETRICS.test(accept)) return { contentType: registry.contentType, body: await registry.metrics() };
  // prom-client renames counters in place (foo_total -> foo) while it renders
  // OpenMetrics, which would break the text format served next: each metric is
  // rendered through a throwaway object that shares its values, not the metric itself.
  const view = new client.Registry<client.OpenMetricsContentType>();
  view.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE);
  view.setDefaultLabels(defaultLabels);
  for (const metric of registry.getMetricsAsArray()) view.registerMetric(Object.create(metric) as client.Metric);
  return { contentType: view.contentType, body: await view.metrics() };
}

const rpcLabels = ['grpc_service', 'grpc_method', 'grpc_type'] as const;

export const rpcMetrics = {
  serverStarted: once(
    'grpc_server_started_total',
    () =>
      new client.Counter({
        name: 'grpc_server_started_total',
        help: 'RPCs started on the server.',
        labelNames: rpcLabels,
      }),
  ),
  serverHandled: once(
    'grpc_server_handled_total',
    () =>
      new client.Counter({
        name: 'grpc_server_handled_total',
        help: 'RPCs completed on the server, by status code.',
        labelNames: [...rpcLabels, 'grpc_code'],
      }),
  ),
  serverSeconds: once(
    'grpc_server_handling_seconds',
    () =>
      new TracedHistogram({
        name: 'grpc_server_handling_seconds',
        help: 'Time to handle an RPC on the server.',
        labelNames: rpcLabels,
        buckets: LATENCY_BUCKETS,
      }),
  ),
  clientHandled: once(
    'grpc_client_handled_total',
    () =>
      new client.Counter({
        name: 'grpc_client_handled_total',
        help: 'RPCs completed by clients, by status code.',
        labelNames: [...rpcLabels, 'grpc_code'],
      }),
  ),
  clientSeconds: once(
    'grpc_client_handling_seconds',
    () =>
      new TracedHistogram({
        name: 'grpc_client_handling_seconds',
        help: 'Time from starting an RPC to its status, on the client.',
        labelNames: rpcLabels,
        buckets: LATENCY_BUCKETS,
      }),
  ),
};

export const cacheMetrics = {
  requests: once(
    'cache_requests_total',
    () =>
      new client.Counter({
        name: 'cache_requests_total',
        help: 'Cache lookups by cache name and result (hit, miss, error).',
        labelNames: ['cache', 'result'],
      }),
  ),
};

export const eventMetrics = {
  produced: once(
    'events_produced_total',
    () =>
      new client.Counter({
        name: 'events_produced_total',
        help: 'Events published to Kafka, by event type.',
        labelNames: ['event_type'],
      }),
  ),
  consumed: once(
    'events_consumed_total',
    () =>
      new client.Counter({
        name: 'events_consumed_total',
        help: 'Events taken by consumers, by result: ok, duplicate (already processed), skipped (not subscribed), dead_lettered.',
        labelNames: ['event_type', 'group', 'result'],
      }),
  ),
  retried: once(
    'events_retried_total',
    () =>
      new client.Counter({
        name: 'events_retried_total',
        help: 'Handler attempts that failed and were retried.',
        labelNames: ['event_type', 'group'],
      }),
  ),
  deadLettered: once(
    'events_dead_lettered_total',
    () =>
      new client.Counter({
        name: 'events_dead_lettered_total',
        help: 'Events sent to a dead-letter topic.',
        labelNames: ['event_type', 'group'],
      }),
  ),
  purged: once(
    'events_retention_purged_total',
    () =>
      new client.Counter({
        name: 'events_retention_purged_total',
        help: 'Rows deleted by the retention purge (published outbox rows, old processed-event claims).',
        labelNames: ['service', 'table'],
      }),
  ),
  kafkaRequests: once(
    'kafka_client_requests_total',
    () =>
      new client.Counter({
        name: 'kafka_client_requests_total',
        help: 'Requests this process sent to Kafka brokers, by client role and Kafka API.',
        labelNames: ['client', 'api'],
      }),
  ),
  outageRetries: once(
    'events_outage_retries_total',
    () =>
      new client.Counter({
        name: 'events_outage_retries_total',
        help: 'Tries of a batch or event that waited out an unavailable database or callee (never dead-lettered).',
        labelNames: ['group'],
      }),
  ),
  handlingSeconds: once(
    'events_handling_seconds',
    () =>
      new TracedHistogram({
        name: 'events_handling_seconds',
        help: "Time to handle one event: its batch's transaction shared out over the batch's events.",
        labelNames: ['event_type', 'group'],
        buckets: LATENCY_BUCKETS,
      }),
  ),
  lag: once(
    'kafka_consumer_lag',
    () =>
      new client.Gauge({
        name: 'kafka_consumer_lag',
        help: 'Messages not yet committed by a consumer group, per partition.',
        labelNames: ['group', 'topic', 'partition'],
      }),
  ),
};

export const outboxMetrics = {
  backlog: once(
    'outbox_backlog',
    () =>
      new client.Gauge({
        name: 'outbox_backlog',
        help: 'Outbox rows not yet published to Kafka.',
        labelNames: ['outbox'],
      }),
  ),
};

/** What a connection pool reports; undefined once it is destroyed. */
export interface PoolUsage {
  used: number;
  idle: number;
  pending: number;
  max: number;
}

const pools = new Map<string, () => PoolUsage | undefined>();

/** Reports a database pool (by schema name) on /metrics; the last pool opened for a schema wins. */
export function watchPool(database: string, usage: () => PoolUsage | undefined): void {
  pools.set(database, usage);
}

function eachPool(report: (database: string, usage: PoolUsage) => void): void {
  for (const [database, usage] of pools) {
    const now = usage();
    if (now) report(database, now);
  }
}

/** Pool usage, read at scrape time; names follow OpenTelemetry's db.client.connection.* metrics. */
export const dbPoolMetrics = {
  connections: once(
    'db_client_connections',
    () =>
      new client.Gauge({
        name: 'db_client_connections',
        help: 'Connections of the database pool, by state (used, idle).',
        labelNames: ['database', 'state'],
        collect() {
          this.reset();
          eachPool((database, { used, idle }) => {
            this.set({ database, state: 'used' }, used);
            this.set({ database, state: 'idle' }, idle);
          });
        },
      }),
  ),
  max: once(
    'db_client_connections_max',
    () =>
      new client.Gauge({
        name: 'db_client_connections_max',
        help: 'Most connections the database pool may open.',
        labelNames: ['database'],
        collect() {
          this.reset();
          eachPool((database, { max }) => this.set({ database }, max));
        },
      }),
  ),
  pending: once(
    'db_client_connections_pending_requests',
    () =>
      new client.Gauge({
        name: 'db_client_connections_pending_requests',
        help: 'Queries waiting for a free connection of the database pool.',
        labelNames: ['database'],
        collect() {
          this.reset();
          eachPool((database, { pending }) => this.set({ database }, pending));
        },
      }),
  ),
};
