/**
 * OpenTelemetry bootstrap, loaded before anything else with
 * `node --require ./platform/telemetry.ts` (see scripts/start.ts and the
 * Dockerfile) so the instrumentations can patch http, mysql2 and ioredis as
 * they load. Configured only through the standard OTEL_* variables;
 * off unless an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is not "true".
 *
 * The SDK itself (platform/tracing-sdk.ts) is loaded only then: a service
 * that does not trace does not carry it (about 5.5 MB of heap and 20 MB of
 * RSS at start; docs/benchmarks.md, memory).
 */
const endpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

if (endpoint && process.env.OTEL_SDK_DISABLED !== 'true') {
  (require('./tracing-sdk') as typeof import('./tracing-sdk')).startTracing();
}

export {};
