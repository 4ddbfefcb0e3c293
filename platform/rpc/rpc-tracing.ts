import type { Metadata } from '@grpc/grpc-js';
import {
  context,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';

/**
 * Spans of gRPC calls, made by the platform's own server interceptor and
 * client instead of @opentelemetry/instrumentation-grpc. That instrumentation
 * wraps every handler and call of grpc-js from outside (a shimmer wrap of the
 * call's sendMetadata, the call's EventEmitter bound to the context, two
 * context switches per call): a third of a trivial call's server CPU. The
 * platform knows where a call starts and ends, so its spans cost a span.
 *
 * Same shape as the instrumentation's: a SERVER span per call served, named
 * `grpc.<service>/<method>`, child of the caller's W3C `traceparent` (gRPC
 * metadata); a CLIENT span per outbound call, whose context is sent on; both
 * with rpc.system, rpc.service, rpc.method and rpc.grpc.status_code, and an
 * ERROR status for any code but OK.
 */
const tracer = trace.getTracer('shopmesh-rpc');

const metadataGetter: TextMapGetter<Metadata> = {
  get: (metadata, key) => {
    const values = metadata.get(key);
    return values.length === 0 ? undefined : values.length === 1 ? String(values[0]) : values.map(String);
  },
  keys: (metadata) => Object.keys(metadata.getMap()),
};
const metadataSetter: TextMapSetter<Metadata> = { set: (metadata, key, value) => metadata.set(key, value) };

/** The provider the API answers before an SDK registers one: no SDK, nothing to trace. */
const noSdk = new ProxyTracerProvider().getDelegate();

/**
 * Whether an SDK is registered (platform/telemetry.ts when an OTLP endpoint is
 * set). Asked per call, not once: tests register a provider after servers exist.
 */
export function tracingOn(): boolean {
  const provider = trace.getTracerProvider();
  return (provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider) !== noSdk;
}

const rpcAttributes = (service: string, method: string) => ({ 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method });

/** Ends a span with a gRPC status: `rpc.grpc.status_code`, and ERROR for anything but OK (0). */
export function endRpcSpan(span: Span, code: number, message?: string): void {
  span.setAttribute('rpc.grpc.status_code', code);
  if (code !== 0) span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}

/**
 * The SERVER span of a call, child of the caller's trace context in the
 * metadata, and the context to run the handler in (the span active in it).
 */
export function startServerSpan(service: string, method: string, metadata: Metadata): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
  const span = tracer.startSpan(`grpc.${service}/${method}`, { kind: SpanKind.SERVER, attributes: rpcAttributes(service, method) }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/**
 * The CLIENT span of an outbound call, child of the active context (the call
 * being served, if any), its trace context written into `metadata`. Returns
 * undefined when nothing traces.
 */
export function startClientSpan(service: string, method: string, metadata: Metadata): Span | undefined {
  if (!tracingOn()) return undefined;
  const active = context.active();
  const span = tracer.startSpan(`grpc.${service}/${method}`, { kind: SpanKind.CLIENT, attributes: rpcAttributes(service, method) }, active);
  propagation.inject(trace.setSpan(active, span), metadata, metadataSetter);
  return span;
}
