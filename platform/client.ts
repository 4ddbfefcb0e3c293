import { isIPv4, isIPv6 } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Code, RpcError } from './errors';
import { rpcMetrics } from './rpc/rpc-metrics';
import type { AddressResolver } from './resolver';
import { serviceName, type ServiceDefinition } from './rpc/bind-service';
import { currentCall } from './rpc/context';
import { endRpcSpan, startClientSpan } from './rpc/rpc-tracing';

type RequestOf<M> = M extends { requestSerialize: (v: infer Req) => Buffer } ? Req : never;
type ResponseOf<M> = M extends { responseDeserialize: (b: Buffer) => infer Res } ? Res : never;

export interface CallOptions {
  /** Overrides the client's default deadline for this call. */
  deadlineMs?: number;
  /** Extra metadata; `authorization` here wins over the propagated one. */
  metadata?: Record<string, string>;
  signal?: AbortSignal;
}

/** Promise-returning methods typed by the generated definition; streams are async iterables. */
export type TypedClient<D> = {
  [K in keyof D]: D[K] extends { responseStream: true }
    ? (request: RequestOf<D[K]>, options?: CallOptions) => AsyncIterable<ResponseOf<D[K]>>
    : (request: RequestOf<D[K]>, options?: CallOptions) => Promise<ResponseOf<D[K]>>;
} & { close(): void };

export interface ClientOptions {
  /** host:port of each instance; several are used round-robin. A DNS name resolving to several addresses is balanced too. */
  addresses: string[];
  /** Default deadline of every call. */
  deadlineMs: number;
  /**
   * Methods (contract names, e.g. "GetUser") retried on UNAVAILABLE. Default:
   * reads, i.e. names starting with Get, List, BatchGet, Check, Suggest, Similar
   * or Frequently. Writes are never retried unless listed here.
   */
  idempotentMethods?: string[];
  /**
   * Finds the instances through the service registry (platform/resolver.ts):
   * `addresses` are then the fallback, used until the registry answers and
   * whenever it is unreachable or knows no serving instance.
   */
  resolver?: AddressResolver;
}

const READ_METHOD = /^(Get|List|BatchGet|Check|Suggest|Similar|Frequently)/;

/** A finished outbound call, as observers see it: no request, no response, no credentials. */
export interface FinishedCall {
  /** Full service name, e.g. "shop.users.v1.UsersService". */
  contract: string;
  method: string;
  code: number;
  latencyMs: number;
}

const callObservers = new Set<(call: FinishedCall) => void>();

/**
 * Sees every call this process's clients finish (the registry's sampled call
 * log, platform/call-reporting.ts). Returns the function that stops it.
 */
export function observeClientCalls(observer: (call: FinishedCall) => void): () => void {
  callObservers.add(observer);
  return () => callObservers.delete(observer);
}

/**
 * The retry budget of a call path. A call is tried at most RETRY_ATTEMPTS
 * times, backing off 50 ms, then 100 ms (±20 % jitter from grpc-js, so callers
 * that failed together do not come back together), and only on UNAVAILABLE
 * without server pushback. A server whose own outbound call failed
 * UNAVAILABLE after these retries answers its caller UNAVAILABLE with
 * `grpc-retry-pushback-ms: -1` (platform/rpc/bind-service.ts), so the budget
 * is spent once, at the hop next to the failure, and never multiplied along
 * the path: one request makes at most 3 attempts per downstream call it
 * makes, where stacked retries would make 3 × 3 × … (3 hops: 27). Per
 * channel, retryThrottling (gRPC A6) stops retrying altogether while more than
 * half of recent calls fail: each failure costs a token, each success
 * returns 0.1 of one.
 */
export const RETRY_ATTEMPTS = 3;

/** grpc service config: round-robin over resolved addresses, retries for idempotent methods only. */
function serviceConfig(definition: ServiceDefinition, idempotent: (method: string) => boolean): string {
  const names = Object.values(definition)
    .map((m) => m.path.split('/'))
    .filter(([, , method]) => idempotent(method))
    .map(([, service, method]) => ({ service, method }));
  return JSON.stringify({
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: names.length
      ? [
          {
            name: names,
            retryPolicy: {
              maxAttempts: RETRY_ATTEMPTS,
              initialBackoff: '0.05s',
              maxBackoff: '0.5s',
              backoffMultiplier: 2,
              retryableStatusCodes: ['UNAVAILABLE'],
            },
          },
        ]
      : [],
    retryThrottling: { maxTokens: 10, tokenRatio: 0.1 },
  });
}

/**
 * One channel for a list of IP addresses (`ipv4:a,b`), so grpc's round_robin
 * skips an instance that is down and a retry lands on a live one. A channel
 * per address would send every other call to a dead instance, retries
 * included, since a retry never leaves its channel. Host names keep a channel
 * each (`dns:` resolves one name; a name with several records is balanced
 * inside its channel).
 */
function channelTargets(addresses: string[]): string[] {
  if (addresses.some((address) => /^(dns|ipv4|ipv6|unix):/.test(address))) return addresses;
  for (const [scheme, isIp] of [
    ['ipv4', isIPv4],
    ['ipv6', isIPv6],
  ] as const) {
    const hosts = addresses.map((address) => /^\[?(.*?)\]?:\d+$/.exec(address)?.[1]);
    if (hosts.every((host) => host !== undefined && isIp(host))) return [`${scheme}:${addresses.join(',')}`];
  }
  return addresses.map((address) => `dns:${address}`);
}

/**
 * A typed client for service-to-service calls: every call has a deadline, the
 * caller's authorization is forwarded, reads are retried on UNAVAILABLE, and
 * failures arrive as RpcError with the callee's google.rpc details.
 */
export function createClient<D extends ServiceDefinition>(definition: D, options: ClientOptions): TypedClient<D> {
  if (options.addresses.length === 0) throw new Error('createClient needs at least one address');
  const idempotent = options.idempotentMethods ? (method: string) => options.idempotentMethods!.includes(method) : (method: string) => READ_METHOD.test(method);
  const channelOptions = { 'grpc.service_config': serviceConfig(definition, idempotent), 'grpc.enable_retries': 1 };
  const connect = (addresses: string[]) =>
    channelTargets(addresses).map((target) => new grpc.Client(target, grpc.credentials.createInsecure(), channelOptions));
  let channels = connect(options.addresses);
  // Registry-resolved addresses: a new set gets new channels (one `ipv4:a,b`
  // channel as above); the old ones close once calls already on them (and
  // their retries, which never leave their channel) have had their deadline.
  const unwatch = options.resolver?.watch(serviceName(definition), options.addresses, (addresses) => {
    const retired = channels;
    channels = connect(addresses);
    setTimeout(() => retired.forEach((c) => c.close()), options.deadlineMs + 1_000).unref();
  });
  let turn = 0;
  const nextChannel = () => channels[turn++ % channels.length];

  const prepare = (callOptions: CallOptions = {}) => {
    const metadata = new grpc.Metadata();
    const inbound = currentCall.getStore();
    const authorization = inbound?.metadata.get('authorization')[0];
    if (typeof authorization === 'string') metadata.set('authorization', authorization);
    for (const [key, value] of Object.entries(callOptions.metadata ?? {})) metadata.set(key, value);
    // A call made while serving another never outlives the caller's deadline.
    const own = Date.now() + (callOptions.deadlineMs ?? options.deadlineMs);
    const inherited = inbound?.deadline;
    // A call that ends UNAVAILABLE has used the path's retries (see RETRY_ATTEMPTS).
    const spendBudget = (code: number) => {
      if (inbound && code === Code.UNAVAILABLE) inbound.retryBudgetSpent = true;
    };
    return { metadata, deadline: inherited === undefined ? own : Math.min(own, inherited), spendBudget };
  };

  const client: Record<string, unknown> = {
    close: () => {
      unwatch?.();
      channels.forEach((c) => c.close());
    },
  };
  for (const [key, method] of Object.entries(definition) as [string, D[keyof D] & Record<string, any>][]) {
    const [, service, name] = method.path.split('/');
    const labels = { grpc_service: service, grpc_method: name, grpc_type: method.responseStream ? 'server_stream' : 'unary' };
    const done = (code: number, stop: () => number) => {
      const seconds = stop();
      rpcMetrics.clientHandled.inc({ ...labels, grpc_code: Code[code] ?? 'UNKNOWN' });
      for (const observe of callObservers) observe({ contract: service, method: name, code, latencyMs: seconds * 1000 });
    };

    if (method.responseStream) {
      client[key] = async function* stream(request: unknown, callOptions?: CallOptions) {
        const { metadata, deadline } = prepare(callOptions);
        const span = startClientSpan(service, name, metadata);
        const stop = rpcMetrics.clientSeconds.startTimer(labels);
        // Streams are long-lived: the deadline applies only when the caller asks for one.
        const call = nextChannel().makeServerStreamRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata,
          callOptions?.deadlineMs ? { deadline } : {},
        );
        const release = cancelOnAbort(call, callOptions?.signal);
        try {
          for await (const message of call) yield message;
          if (span) endRpcSpan(span, Code.OK);
          done(Code.OK, stop);
        } catch (error) {
          const rpc = toRpcError(error);
          if (span) endRpcSpan(span, rpc.code, rpc.message);
          done(rpc.code, stop);
          throw rpc;
        } finally {
          // A consumer that stopped reading early ends the stream here.
          if (span?.isRecording()) endRpcSpan(span, Code.CANCELLED);
          release();
          call.cancel();
        }
      };
    } else {
      client[key] = (request: unknown, callOptions?: CallOptions) =>
        new Promise((resolve, reject) => {
          const { metadata, deadline, spendBudget } = prepare(callOptions);
          const span = startClientSpan(service, name, metadata);
          const stop = rpcMetrics.clientSeconds.startTimer(labels);
          const call = nextChannel().makeUnaryRequest(
            method.path,
            method.requestSerialize,
            method.responseDeserialize,
            request,
            metadata,
            { deadline },
            (error, response) => {
              release();
              if (error) {
                const rpc = toRpcError(error);
                spendBudget(rpc.code);
                if (span) endRpcSpan(span, rpc.code, rpc.message);
                done(rpc.code, stop);
                reject(rpc);
              } else {
                if (span) endRpcSpan(span, Code.OK);
                done(Code.OK, stop);
                resolve(response);
              }
            },
          );
          const release = cancelOnAbort(call, callOptions?.signal);
        });
    }
  }
  return client as TypedClient<D>;
}

/**
 * Cancels `call` when `signal` aborts, including a signal aborted before the
 * call started; the returned function unsubscribes, so a long-lived signal
 * (a handler's ctx.signal shared by many calls) does not collect listeners.
 */
function cancelOnAbort(call: { cancel(): void }, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => undefined;
  const cancel = () => call.cancel();
  if (signal.aborted) {
    cancel();
    return () => undefined;
  }
  signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}

function toRpcError(error: unknown): RpcError {
  const e = error as Partial<grpc.ServiceError>;
  if (typeof e.code === 'number') return RpcError.fromStatus(e.code, e.details ?? e.message ?? '', e.metadata);
  return new RpcError(Code.UNKNOWN, (error as Error).message);
}
