/**
 * The OpenTelemetry SDK of a service that traces, started by
 * platform/telemetry.ts when an OTLP endpoint is set.
 *
 * Database statements are not traced unless OTEL_TRACE_DB_STATEMENTS=true:
 * per-statement spans were the largest single cost of the order pipeline.
 *
 * Traces only: metrics stay pull-based (prom-client on /metrics). So the
 * tracer provider is built from its parts (sdk-trace-node, one OTLP/HTTP
 * exporter) rather than with @opentelemetry/sdk-node, which loads every
 * exporter it could be configured with (OTLP over gRPC and protobuf, Zipkin,
 * Prometheus, logs, metrics): about 40 MB of RSS per process, at rest.
 *
 * gRPC is traced by the platform itself (platform/rpc/rpc-tracing.ts: the
 * server's tracing interceptor and platform/client.ts), not by
 * @opentelemetry/instrumentation-grpc, whose wrapping of every grpc-js call
 * cost ~70 µs of server CPU per trivial call (docs/benchmarks.md).
 *
 * Kafka is traced by platform/events (event-tracing.ts), not by
 * @opentelemetry/instrumentation-kafkajs: events leave through the outbox
 * relay, a background loop with no request context, and that instrumentation
 * would start each producer span as a new root and overwrite the traceparent
 * the outbox stored with the event, cutting every order's trace at the bus.
 */
import { SpanKind, type Attributes, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { defaultResource, detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { databaseErrorMasking, mysqlTracing } from './span-privacy';

/** Health probes, from whoever sends them. */
const HEALTH_RPC = /^grpc\.grpc\.health\.v1\.Health\//;
/** What every service does with the registry on its own timer: register, heart-beat, resolve addresses. */
const REGISTRY_UPKEEP = /^grpc\.shop\.registry\.v1\.RegistryService\/(Register|Heartbeat|Deregister|ListServices|GetService)$/;

/**
 * Decides for spans that start a trace: health probes, registry upkeep and
 * database statements without a caller (the outbox relay's and the lag
 * reporter's polling, several a second) would bury the traces of real
 * requests. Everything under a sampled parent is kept, so a query inside a
 * request still shows.
 */
const quietRoots: Sampler = {
  shouldSample(_context: Context, _traceId: string, name: string, kind: SpanKind, attributes: Attributes) {
    const background =
      HEALTH_RPC.test(name) ||
      (kind === SpanKind.CLIENT && REGISTRY_UPKEEP.test(name)) ||
      attributes['db.system.name'] !== undefined ||
      attributes['db.system'] !== undefined;
    return { decision: background ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED };
  },
  toString: () => 'QuietRoots',
};

/** Registers the tracer provider, the W3C propagator and the instrumentations (platform/telemetry.ts calls it). */
export function startTracing(): void {
  // npm start and compose set OTEL_SERVICE_NAME; a bare `node services/<name>/src/main.ts` still names itself.
  const ownName = process.env.OTEL_SERVICE_NAME ? undefined : /services[\\/]([^\\/]+)[\\/]/.exec(process.argv[1] ?? '')?.[1];
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector, hostDetector, processDetector] }))
      .merge(ownName ? resourceFromAttributes({ 'service.name': ownName }) : null),
    // OTEL_TRACES_SAMPLER (e.g. parentbased_traceidratio in production) wins when it is set.
    sampler: process.env.OTEL_TRACES_SAMPLER ? undefined : new ParentBasedSampler({ root: quietRoots }),
    // Masking first: the batch processor exports what the spans hold when they end.
    spanProcessors: [databaseErrorMasking, new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C trace context and baggage, and AsyncLocalStorage for the active span.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Scrapes and health probes are not worth a trace each.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /^\/(metrics|healthz)/.test(req.url ?? '') }),
      // A span per SQL statement cost a quarter of the CPU of the event consumers
      // (npm run bench -- --only orders --profile); the trace of an order keeps
      // every RPC and Kafka hop without them. OTEL_TRACE_DB_STATEMENTS=true brings
      // them back, with no query values on them (docs/security.md).
      ...(process.env.OTEL_TRACE_DB_STATEMENTS === 'true' ? [new MySQL2Instrumentation(mysqlTracing)] : []),
      new IORedisInstrumentation(),
    ],
  });
  // runService (platform/run-service.ts) flushes at SIGTERM through the global
  // tracer provider; this covers processes that end on their own.
  process.once('beforeExit', () => void provider.shutdown().catch(() => undefined));
}
