import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { maskLiterals } from './safe-error';

type MutableSpan = ReadableSpan & { setStatus(status: { code: SpanStatusCode; message?: string }): unknown };

/**
 * Options of the mysql2 instrumentation: statements recorded with their
 * literals masked. knex sends values as bindings, but a raw statement may
 * inline them.
 */
export const mysqlTracing = { maskStatement: true, maskStatementHook: maskLiterals };

/**
 * The mysql2 instrumentation puts the database's error text on the span
 * status, and that text quotes the offending value ("Duplicate entry
 * 'ada@example.com' ..."). Before a span ends, this masks the literals of a
 * database span's error message; it runs first among the span processors.
 */
export const databaseErrorMasking: SpanProcessor & { onEnding(span: MutableSpan): void } = {
  onStart: () => undefined,
  onEnding(span) {
    const isDatabase = span.attributes['db.system.name'] !== undefined || span.attributes['db.system'] !== undefined;
    if (isDatabase && span.status.code === SpanStatusCode.ERROR && span.status.message) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: maskLiterals(span.status.message) });
    }
  },
  onEnd: () => undefined,
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};
