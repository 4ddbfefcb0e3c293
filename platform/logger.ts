import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { safeError } from './safe-error';

export type Logger = pino.Logger;

/** Fields never logged, at the top or up to two levels down (a request, a response's user). */
const SECRET_FIELDS = [
  'password',
  'password_hash',
  'email',
  'phone',
  'address',
  'phone_enc',
  'address_enc',
  'authorization',
  'token',
  'accessToken',
  'paymentToken',
  'payment_token',
];

/** JSON logs with the service name, and the trace id whenever a span is active; `destination` defaults to stdout. */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
    },
    // Database errors carry their statement with its values: logged masked.
    serializers: { err: safeError },
    // Personal data and credentials stay out of logs even when a caller logs a whole request.
    redact: { paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]), censor: '[redacted]' },
  };
  // Tests pass a destination to read what would be logged.
  return destination ? pino(options, destination) : pino(options);
}
