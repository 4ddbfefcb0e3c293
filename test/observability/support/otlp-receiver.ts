import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** OTLP span kinds, as numbers in OTLP/JSON. */
export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
/** OTLP status codes. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export type AttributeValue = string | number | boolean | undefined;

/** One received span, flattened: its service (resource service.name) and plain attributes. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status: { code: number; message?: string };
  attributes: Record<string, AttributeValue>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}

const plain = (value: OtlpValue): AttributeValue =>
  value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue;

const attributesOf = (list: { key: string; value: OtlpValue }[] = []) => Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

/** Flattens one OTLP/JSON ExportTraceServiceRequest. */
export function spansOf(request: any): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? 'unknown');
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          service,
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          name: span.name,
          kind: span.kind,
          status: { code: span.status?.code ?? StatusCode.UNSET, message: span.status?.message },
          attributes: attributesOf(span.attributes),
        });
      }
    }
  }
  return spans;
}

/**
 * An OTLP/HTTP receiver in the test process, standing in for the collector:
 * every service's exporter posts JSON to <url>/v1/traces (the exporter of
 * @opentelemetry/exporter-trace-otlp-http speaks JSON).
 */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const rejected: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const type = req.headers['content-type'] ?? '';
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !type.startsWith('application/json')) {
        rejected.push(`${req.method} ${req.url} ${type}`);
        res.statusCode = 404;
        return res.end();
      }
      try {
        spans.push(...spansOf(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      } catch (error) {
        rejected.push(`unparsable body: ${(error as Error).message}`);
        res.statusCode = 400;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    /** OTEL_EXPORTER_OTLP_ENDPOINT for the services. */
    url,
    spans: () => spans,
    /** Requests that were not OTLP/JSON traces (e.g. metrics or protobuf), for diagnostics. */
    rejected: () => rejected,
    trace: (traceId: string) => spans.filter((s) => s.traceId === traceId),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type OtlpReceiver = Awaited<ReturnType<typeof startOtlpReceiver>>;
