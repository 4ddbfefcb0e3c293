import { trace } from '@opentelemetry/api';
import pino from 'pino';

export type Logger = pino.Logger;

/** JSON logs with the service name, and the trace id whenever a span is active. */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
    },
    // Personal data stays out of logs even when a caller logs a whole request.
    redact: {
      paths: ['*.password', '*.phone', '*.address', '*.email', '*.authorization', 'password', 'email', 'phone', 'address'],
      censor: '[redacted]',
    },
  });
}
