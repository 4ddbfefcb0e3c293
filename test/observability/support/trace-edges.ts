import { SpanKind, type ReceivedSpan } from './otlp-receiver';

/** Where a span's caller is not among the received spans: the test itself. */
export const CLIENT = 'client';

const rpcName = (span: ReceivedSpan) => `${span.attributes['rpc.service']}/${span.attributes['rpc.method']}`;

const eventOf = (span: ReceivedSpan) => String(span.attributes['cloudevents.event_type'] ?? span.attributes['messaging.destination.name']);

const hopLabel = (span: ReceivedSpan) => (span.attributes['rpc.system'] ? rpcName(span) : `HTTP ${span.attributes['http.request.method'] ?? span.name}`);

/**
 * The hops between services that one trace shows, as readable edges:
 *   "client → orders: shop.orders.v1.OrdersService/CreateOrder"   a call from outside
 *   "orders → users: shop.users.v1.UsersService/GetUser"          a call between services
 *   "orders → kafka: shop.orders.v1.OrderCreated"                 an event produced
 *   "kafka → payments: shop.orders.v1.OrderCreated"               an event consumed
 * A call edge is a SERVER span whose parent belongs to another service; an
 * event edge is a PRODUCER span, or a CONSUMER span whose parent is a PRODUCER.
 */
export function traceEdges(spans: ReceivedSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const edges = new Set<string>();
  for (const span of spans) {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    if (span.kind === SpanKind.SERVER) {
      if (!parent) edges.add(`${CLIENT} → ${span.service}: ${hopLabel(span)}`);
      else if (parent.service !== span.service) edges.add(`${parent.service} → ${span.service}: ${hopLabel(span)}`);
    } else if (span.kind === SpanKind.PRODUCER) {
      edges.add(`${span.service} → kafka: ${eventOf(span)}`);
    } else if (span.kind === SpanKind.CONSUMER && parent?.kind === SpanKind.PRODUCER) {
      edges.add(`kafka → ${span.service}: ${eventOf(span)}`);
    }
  }
  return [...edges].sort();
}

/** A readable dump of a trace for assertion messages: one line per span, indented under its parent. */
export function describeTrace(spans: ReceivedSpan[]): string {
  const children = new Map<string | undefined, ReceivedSpan[]>();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const kinds = ['?', 'internal', 'server', 'client', 'producer', 'consumer'];
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of children.get(parent) ?? []) {
      lines.push(`${'  '.repeat(depth)}${span.service} ${kinds[span.kind] ?? span.kind} ${span.name}${span.status.code === 2 ? ' [ERROR]' : ''}`);
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}
