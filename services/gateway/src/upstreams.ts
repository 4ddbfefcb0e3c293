import type { DescMethod, DescService, Message } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { context, propagation } from '@opentelemetry/api';
import { backoffDelay, RPC_RETRY } from '../../../platform/backoff';
import type { Logger } from '../../../platform/logger';
import { addressesVariable } from '../../../platform/service-spec';
import { serviceKey } from './contracts';

/** Request headers that travel to the service as gRPC metadata. */
export const FORWARDED_HEADERS = ['authorization', 'traceparent', 'tracestate', 'x-request-id'];

export interface CallOptions {
  headers: Headers;
  signal: AbortSignal;
  /** Overrides the default deadline (unary) or sets one (streams, which have none by default). */
  timeoutMs?: number;
}

type AnyCall = (request: unknown, options: { headers: Headers; signal: AbortSignal; timeoutMs?: number }) => unknown;

export interface Upstreams {
  isConfigured(service: DescService): boolean;
  unary(method: DescMethod, request: Message, options: CallOptions & { idempotent: boolean }): Promise<Message>;
  serverStream(method: DescMethod, request: Message, options: CallOptions): AsyncIterable<Message>;
  /** Client and bidi streams, for the Connect / gRPC-Web proxy. */
  clientStream(method: DescMethod, requests: AsyncIterable<Message>, options: CallOptions): Promise<Message>;
  bidiStream(method: DescMethod, requests: AsyncIterable<Message>, options: CallOptions): AsyncIterable<Message>;
  /** grpc.health.v1 Check of the service on each of its instances; resolves when one is SERVING. */
  probe(service: DescService): Promise<void>;
  close(): void;
}

export interface UpstreamOptions {
  /** host:port of each instance of a service. */
  addresses: (service: DescService) => string[];
  /** Deadline of unary calls. */
  deadlineMs: number;
  /** grpc.health.v1.Health from the descriptor set, for probe(). */
  healthService?: DescService;
  log: Logger;
}

/** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;

/**
 * The service already spent the path's retry budget on its own dependency
 * (gRPC server pushback, platform/rpc/bind-service.ts): retrying here would
 * multiply the attempts below it.
 */
const pushedBack = (error: ConnectError) => Number(error.metadata.get('grpc-retry-pushback-ms') ?? '0') < 0;

/**
 * gRPC clients of every public service over HTTP/2 (@connectrpc/connect-node),
 * round-robin over each service's addresses. A service without addresses
 * answers UNAVAILABLE, like an Envoy cluster without a healthy host.
 */
export function createUpstreams(services: DescService[], options: UpstreamOptions): Upstreams {
  const sessions: Http2SessionManager[] = [];
  const pools = new Map<string, { clients: Record<string, AnyCall>[]; health: Record<string, AnyCall>[]; turn: number }>();
  for (const service of services) {
    const addresses = options.addresses(service);
    const transports = addresses.map((address): Transport => {
      const baseUrl = `http://${address}`;
      const sessionManager = new Http2SessionManager(baseUrl, { pingIntervalMs: 30_000, idleConnectionTimeoutMs: 60_000 });
      sessions.push(sessionManager);
      return createGrpcTransport({ baseUrl, sessionManager, defaultTimeoutMs: options.deadlineMs });
    });
    const clientsOf = (desc: DescService) => transports.map((transport) => createClient(desc, transport) as unknown as Record<string, AnyCall>);
    pools.set(service.typeName, { clients: clientsOf(service), health: options.healthService ? clientsOf(options.healthService) : [], turn: 0 });
    if (addresses.length) options.log.info({ upstream: service.typeName, addresses }, 'upstream configured');
    else options.log.warn({ upstream: service.typeName }, `upstream not configured: set ${addressesVariable(serviceKey(service))}; its routes answer 503`);
  }

  const clientFor = (method: DescMethod): AnyCall => {
    const service = method.parent;
    const pool = pools.get(service.typeName);
    if (!pool || pool.clients.length === 0) {
      throw new ConnectError(`${service.typeName} is unavailable: no upstream is configured for it`, Code.Unavailable);
    }
    const client = pool.clients[pool.turn++ % pool.clients.length];
    return client[method.localName].bind(client);
  };

  const callOptions = ({ headers, signal, timeoutMs }: CallOptions) => ({ headers: withTraceContext(headers), signal, ...(timeoutMs ? { timeoutMs } : {}) });

  return {
    isConfigured: (service) => (pools.get(service.typeName)?.clients.length ?? 0) > 0,

    async unary(method, request, { idempotent, ...rest }) {
      for (let attempt = 0; ; attempt++) {
        try {
          return (await clientFor(method)(request, callOptions(rest))) as Message;
        } catch (error) {
          const failure = ConnectError.from(error);
          const retry =
            idempotent &&
            attempt + 1 < RPC_RETRY.attempts &&
            failure.code === Code.Unavailable &&
            !pushedBack(failure) &&
            pools.get(method.parent.typeName)!.clients.length > 0 &&
            !rest.signal.aborted;
          if (!retry) throw error;
          // Like Envoy's `retry_on: unavailable`, with the platform's budget and jittered backoff.
          await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, RPC_RETRY.backoff)));
        }
      }
    },

    serverStream: (method, request, options) =>
      // Streams are long-lived: no default deadline, unlike unary calls.
      clientFor(method)(request, { ...callOptions(options), timeoutMs: options.timeoutMs ?? 0 }) as AsyncIterable<Message>,

    clientStream: (method, requests, options) => clientFor(method)(requests, callOptions(options)) as Promise<Message>,

    bidiStream: (method, requests, options) =>
      clientFor(method)(requests, { ...callOptions(options), timeoutMs: options.timeoutMs ?? 0 }) as AsyncIterable<Message>,

    async probe(service) {
      const health = pools.get(service.typeName)?.health ?? [];
      const answers = await Promise.allSettled(
        health.map(
          (client) =>
            client.check({ service: service.typeName }, { headers: new Headers(), signal: AbortSignal.timeout(1_000), timeoutMs: 1_000 }) as Promise<{
              status: number;
            }>,
        ),
      );
      const serving = answers.some((answer) => answer.status === 'fulfilled' && answer.value.status === SERVING);
      if (!serving) throw new Error(`no SERVING instance of ${service.typeName}`);
    },

    close() {
      for (const session of sessions) session.abort();
    },
  };
}

/**
 * With tracing on, the edge's own span (its HTTP server span) is the caller of
 * the service: its W3C trace context replaces the one forwarded from the
 * client, so the edge is a hop of the trace. With tracing off the forwarded
 * headers pass as they came.
 */
function withTraceContext(headers: Headers): Headers {
  const traced = new Headers(headers);
  propagation.inject(context.active(), traced, { set: (carrier, key, value) => carrier.set(key, value) });
  return traced;
}

/** The forwarded request headers of an incoming HTTP request. */
export function forwardedHeaders(incoming: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const name of FORWARDED_HEADERS) {
    const value = incoming[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  return headers;
}
