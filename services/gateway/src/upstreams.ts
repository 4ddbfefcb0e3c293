import { fromBinary, toBinary, type DescMethod, type DescService, type Message } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { context, propagation } from '@opentelemetry/api';
import { backoffDelay, RPC_RETRY } from '../../../platform/backoff';
import type { Logger } from '../../../platform/logger';
import { addressesVariable } from '../../../platform/service-spec';
import { serviceKey } from './contracts';
import { grpcUnary, type Caller } from './grpc-unary';
import { EndpointPool, SessionCache, splitHostPort, type Endpoint, type Resolver } from './upstream-pool';

/** Request headers that travel to the service as gRPC metadata. */
export const FORWARDED_HEADERS = ['authorization', 'traceparent', 'tracestate', 'x-request-id'];

export interface CallOptions {
  /** Request metadata: the forwarded headers, lower-case. */
  headers: Record<string, string>;
  signal: AbortSignal;
  /** Overrides the default deadline (unary) or sets one (streams, which have none by default). */
  timeoutMs?: number;
}

type AnyCall = (request: unknown, options: { headers: Record<string, string>; signal: AbortSignal; timeoutMs?: number }) => unknown;

/** A unary call ends with its signal, or with its HTTP caller (grpc-unary.ts), whichever is given. */
export type UnaryOptions = Omit<CallOptions, 'signal'> & { signal?: AbortSignal; caller?: Caller; idempotent: boolean };

export interface Upstreams {
  isConfigured(service: DescService): boolean;
  unary(method: DescMethod, request: Message, options: UnaryOptions): Promise<Message>;
  serverStream(method: DescMethod, request: Message, options: CallOptions): AsyncIterable<Message>;
  /** Client and bidi streams, for the Connect / gRPC-Web proxy. */
  clientStream(method: DescMethod, requests: AsyncIterable<Message>, options: CallOptions): Promise<Message>;
  bidiStream(method: DescMethod, requests: AsyncIterable<Message>, options: CallOptions): AsyncIterable<Message>;
  /** The next instance of a service (round-robin), for native gRPC passed through as it came. */
  endpoint(service: DescService): Promise<Endpoint>;
  /** grpc.health.v1 Check of the service on each of its instances; resolves when one is SERVING. */
  probe(service: DescService): Promise<void>;
  close(): void;
}

export interface UpstreamOptions {
  /** host:port of each instance of a service; a host name stands for every address it resolves to. */
  addresses: (service: DescService) => string[];
  /** Deadline of unary calls. */
  deadlineMs: number;
  /** How often host names are resolved again. */
  dnsRefreshMs?: number;
  /** The system resolver unless a test brings its own. */
  resolver?: Resolver;
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
 * gRPC clients of every public service over HTTP/2, round-robin over every
 * instance of each service (every address its names resolve to, see
 * upstream-pool.ts). Unary calls go straight onto the instance's session
 * (grpc-unary.ts); streams use @connectrpc/connect's clients on the same
 * sessions. A service without addresses answers UNAVAILABLE, like an Envoy
 * cluster without a healthy host.
 */
export function createUpstreams(services: DescService[], options: UpstreamOptions): Upstreams {
  const sessions = new SessionCache();
  const pools = new Map<string, EndpointPool>();
  for (const service of services) {
    const addresses = options.addresses(service);
    const pool = new EndpointPool(addresses.map(splitHostPort), sessions, {
      resolver: options.resolver,
      refreshMs: options.dnsRefreshMs ?? 5_000,
      // Calls still running on an instance that left the DNS answer get their deadline to finish.
      retireAfterMs: options.deadlineMs + 1_000,
      onChange: (target, resolved) => options.log.info({ upstream: service.typeName, target, addresses: resolved }, 'upstream instances'),
      onError: (target, error) =>
        options.log.warn({ upstream: service.typeName, target, err: error }, 'upstream name did not resolve: keeping its last instances'),
    });
    pools.set(service.typeName, pool);
    if (addresses.length) options.log.info({ upstream: service.typeName, addresses }, 'upstream configured');
    else options.log.warn({ upstream: service.typeName }, `upstream not configured: set ${addressesVariable(serviceKey(service))}; its routes answer 503`);
  }

  const unavailable = (service: DescService, why: string) => new ConnectError(`${service.typeName} is unavailable: ${why}`, Code.Unavailable);

  /** The next instance; synchronous unless a name is still being resolved for the first time. */
  const endpointOf = (service: DescService): Endpoint | Promise<Endpoint> => {
    const pool = pools.get(service.typeName);
    if (!pool?.configured) throw unavailable(service, 'no upstream is configured for it');
    const endpoint = pool.next();
    if (endpoint) return endpoint;
    return pool.ready().then((ready) => ready ?? Promise.reject(unavailable(service, 'its addresses resolve to no instance')));
  };

  // connect clients per instance, for streams and health checks.
  const clients = new WeakMap<Endpoint, Map<string, Record<string, AnyCall>>>();
  const clientOf = (endpoint: Endpoint, desc: DescService): Record<string, AnyCall> => {
    let byService = clients.get(endpoint);
    if (!byService) clients.set(endpoint, (byService = new Map()));
    let client = byService.get(desc.typeName);
    if (!client) {
      const transport = createGrpcTransport({ baseUrl: endpoint.baseUrl, sessionManager: endpoint.session, defaultTimeoutMs: options.deadlineMs });
      byService.set(desc.typeName, (client = createClient(desc, transport) as unknown as Record<string, AnyCall>));
    }
    return client;
  };
  const streamCall = async (method: DescMethod): Promise<AnyCall> => {
    const client = clientOf(await endpointOf(method.parent), method.parent);
    return client[method.localName].bind(client);
  };

  const callOptions = ({ headers, signal, timeoutMs }: CallOptions) => ({ headers: withTraceContext(headers), signal, ...(timeoutMs ? { timeoutMs } : {}) });

  const callUnary = async (
    method: DescMethod,
    request: Message,
    { headers, signal, caller, timeoutMs }: Omit<UnaryOptions, 'idempotent'>,
  ): Promise<Message> => {
    const pick = endpointOf(method.parent);
    const endpoint = pick instanceof Promise ? await pick : pick;
    const response = await grpcUnary(endpoint.session, {
      path: pathOf(method),
      message: toBinary(method.input, request),
      metadata: withTraceContext(headers),
      timeoutMs: timeoutMs ?? options.deadlineMs,
      signal,
      caller,
    });
    return fromBinary(method.output, response);
  };

  return {
    isConfigured: (service) => pools.get(service.typeName)?.configured ?? false,

    async unary(method, request, { idempotent, ...rest }) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await callUnary(method, request, rest);
        } catch (error) {
          const failure = ConnectError.from(error);
          const retry =
            idempotent &&
            attempt + 1 < RPC_RETRY.attempts &&
            failure.code === Code.Unavailable &&
            !pushedBack(failure) &&
            (pools.get(method.parent.typeName)?.current().length ?? 0) > 0 &&
            !rest.signal?.aborted &&
            !rest.caller?.destroyed;
          if (!retry) throw error;
          // Like Envoy's `retry_on: unavailable`, with the platform's budget and jittered backoff.
          await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, RPC_RETRY.backoff)));
        }
      }
    },

    serverStream: (method, request, options) =>
      // Streams are long-lived: no default deadline, unlike unary calls.
      lazyStream(async () => (await streamCall(method))(request, { ...callOptions(options), timeoutMs: options.timeoutMs ?? 0 }) as AsyncIterable<Message>),

    clientStream: async (method, requests, options) => (await streamCall(method))(requests, callOptions(options)) as Promise<Message>,

    bidiStream: (method, requests, options) =>
      lazyStream(async () => (await streamCall(method))(requests, { ...callOptions(options), timeoutMs: options.timeoutMs ?? 0 }) as AsyncIterable<Message>),

    endpoint: async (service) => endpointOf(service),

    async probe(service) {
      const pool = pools.get(service.typeName);
      const health = options.healthService;
      if (!pool || !health) throw new Error(`no SERVING instance of ${service.typeName}`);
      if (pool.current().length === 0) await pool.ready();
      const answers = await Promise.allSettled(
        pool.current().map(
          (endpoint) =>
            clientOf(endpoint, health).check({ service: service.typeName }, { headers: {}, signal: AbortSignal.timeout(1_000), timeoutMs: 1_000 }) as Promise<{
              status: number;
            }>,
        ),
      );
      const serving = answers.some((answer) => answer.status === 'fulfilled' && answer.value.status === SERVING);
      if (!serving) throw new Error(`no SERVING instance of ${service.typeName}`);
    },

    close() {
      for (const pool of pools.values()) pool.close();
      sessions.closeAll();
    },
  };
}

/** The gRPC path of a method, computed once per method. */
const paths = new WeakMap<DescMethod, string>();
function pathOf(method: DescMethod): string {
  let path = paths.get(method);
  if (!path) paths.set(method, (path = `/${method.parent.typeName}/${method.name}`));
  return path;
}

/** A stream whose call starts on first read (picking an instance may wait for DNS). */
async function* lazyStream<T>(start: () => Promise<AsyncIterable<T>>): AsyncIterable<T> {
  yield* await start();
}

/**
 * With tracing on, the edge's own span (its HTTP server span) is the caller of
 * the service: its W3C trace context replaces the one forwarded from the
 * client, so the edge is a hop of the trace. With tracing off the forwarded
 * headers pass as they came.
 */
function withTraceContext(headers: Record<string, string>): Record<string, string> {
  const traced = { ...headers };
  propagation.inject(context.active(), traced);
  return traced;
}

/** The forwarded request headers of an incoming HTTP request. */
export function forwardedHeaders(incoming: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = incoming[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
