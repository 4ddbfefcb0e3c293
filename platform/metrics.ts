import { context, isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import client from 'prom-client';

/**
 * One Prometheus registry per process (prom-client's default), served on the
 * status port. Each subsystem defines its own metrics beside its code with
 * `counter`, `gauge` and `histogram` below: RPCs in platform/rpc/rpc-metrics.ts
 * (names of go-grpc-prometheus, so existing dashboards and alerts work
 * unchanged), events and the outbox in platform/events/event-metrics.ts, the
 * cache in platform/cache-metrics.ts, database pools in
 * platform/db-pool-metrics.ts, business counters in the handlers that count.
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
      const all = endLabels ? { ...labels, ...endLabels } : (labels ?? {});
      this.observe({ labels: all as client.LabelValues<T>, value, exemplarLabels: exemplarLabels as client.LabelValues<T> });
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

/**
 * The metric registered under `name`, or a new one. A module can be loaded
 * twice in one process (a test that starts several services, tsx beside
 * compiled code) and prom-client refuses a second metric of the same name:
 * every instance of the module then shares the first one.
 */
function getOrCreate<M>(name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

interface MetricOptions<L extends string> {
  /** Computes the value at scrape time (prom-client's `collect`), `this` being the metric. */
  collect?: (this: client.Gauge<L>) => void | Promise<void>;
}

export function counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): client.Counter<L> {
  return getOrCreate(name, () => new client.Counter<L>({ name, help, labelNames }));
}

export function gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], options: MetricOptions<L> = {}): client.Gauge<L> {
  return getOrCreate(name, () => new client.Gauge<L>({ name, help, labelNames, ...(options.collect ? { collect: options.collect } : {}) }));
}

/**
 * A histogram; `buckets` default to LATENCY_BUCKETS (seconds). Latency
 * histograms take `exemplars: true`: their timers then link each bucket to a
 * trace (TracedHistogram).
 */
export function histogram<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  options: { buckets?: number[]; exemplars?: boolean } = {},
): client.Histogram<L> {
  const config = { name, help, labelNames, buckets: options.buckets ?? LATENCY_BUCKETS };
  return getOrCreate(name, () => (options.exemplars ? new TracedHistogram<L>(config) : new client.Histogram<L>(config)));
}
