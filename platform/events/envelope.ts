import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

/**
 * The envelope of every event, carried in Kafka headers in the CloudEvents
 * Kafka binding (binary mode): the value is the protobuf payload alone.
 */
export interface Envelope {
  id: string;
  type: string;
  source: string;
  time: Date;
  /** W3C trace context of the producing span, when tracing is on. */
  traceparent?: string;
}

export function newEnvelope(type: string, source: string): Envelope {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return { id: randomUUID(), type, source, time: new Date(), traceparent: carrier.traceparent };
}

export function toHeaders(envelope: Envelope): IHeaders {
  const headers: IHeaders = {
    ce_specversion: '1.0',
    ce_id: envelope.id,
    ce_type: envelope.type,
    ce_source: envelope.source,
    ce_time: envelope.time.toISOString(),
    'content-type': 'application/protobuf',
  };
  if (envelope.traceparent) headers.traceparent = envelope.traceparent;
  return headers;
}

const text = (value: IHeaders[string]) => (Array.isArray(value) ? value[0] : value)?.toString();

/** Reads the envelope back; undefined when a required header is missing. */
export function fromHeaders(headers: IHeaders = {}): Envelope | undefined {
  const id = text(headers.ce_id);
  const type = text(headers.ce_type);
  const source = text(headers.ce_source);
  const time = text(headers.ce_time);
  if (!id || !type || !source || !time) return undefined;
  return { id, type, source, time: new Date(time), traceparent: text(headers.traceparent) };
}
