import { isIPv4, isIPv6 } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { RPC_RETRY } from './backoff';
import { Code } from './errors';
import type { AddressResolver } from './resolver';
import { serviceName, type ServiceDefinition } from './rpc/bind-service';
import {
  chainClient,
  type ClientInterceptor,
  type ClientNext,
  createRetryThrottle,
  errorMapping,
  type FinishedCall,
  measure,
  metrics,
  observeClientCalls,
  type OutboundCall,
  propagate,
  propagation,
  retries,
  toOutboundError,
  toRpcError,
  tracing,
} from './rpc/client-interceptors';
import { currentCall } from './rpc/context';
import { policyOf } from './rpc/method-policy';
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
   * Finds the instances through the service registry (platform/resolver.ts):
   * `addresses` are then the fallback, used until the registry answers and
   * whenever it is unreachable or knows no serving instance.
   */
  resolver?: AddressResolver;
  /** Extra interceptors for unary calls, run inside the platform's (propagation, errors, metrics, retries). */
  interceptors?: ClientInterceptor[];
}

export { observeClientCalls, type FinishedCall };

/**
 * The retry budget of a call path. A call is tried at most RETRY_ATTEMPTS
 * times, and only when its contract declares it NO_SIDE_EFFECTS or
 * IDEMPOTENT (platform/rpc/client-interceptors.ts `retries`). A server whose
 * own outbound call failed UNAVAILABLE after these retries answers its caller
 * UNAVAILABLE with `grpc-retry-pushback-ms: -1` (platform/rpc/bind-service.ts),
 * so the budget is spent once, at the hop next to the failure, and never
 * multiplied along the path: one request makes at most 3 attempts per
 * downstream call it makes, where stacked retries would make 3 × 3 × … (3
 * hops: 27).
 */
export const RETRY_ATTEMPTS = RPC_RETRY.attempts;

/** Round robin over the resolved addresses. Retries are the chain's; grpc-js keeps its transparent ones (calls that never reached a server). */
const SERVICE_CONFIG = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });

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
 * A typed client for service-to-service calls. Unary calls run a chain of
 * interceptors like the server's (platform/rpc/client-interceptors.ts): the
 * caller's authorization and deadline propagate, failures arrive as RpcError
 * with the callee's google.rpc details (inside a call being served, a
 * dependency that is down is UNAVAILABLE), grpc_client_* metrics, and retries
 * on UNAVAILABLE for the methods the contract declares safe to repeat. Server
 * streams share propagation, error mapping and metrics, and are never retried.
 */
export function createClient<D extends ServiceDefinition>(definition: D, options: ClientOptions): TypedClient<D> {
  if (options.addresses.length === 0) throw new Error('createClient needs at least one address');
  const channelOptions = { 'grpc.service_config': SERVICE_CONFIG };
  const connect = (addresses: string[]) =>
    channelTargets(addresses).map((target) => new grpc.Client(target, grpc.credentials.createInsecure(), channelOptions));
  let channels = connect(options.addresses);
  // Registry-resolved addresses: a new set gets new channels (one `ipv4:a,b`
  // channel as above); the old ones close once calls already on them have had their deadline.
  const unwatch = options.resolver?.watch(serviceName(definition), options.addresses, (addresses) => {
    const retired = channels;
    channels = connect(addresses);
    setTimeout(() => retired.forEach((c) => c.close()), options.deadlineMs + 1_000).unref();
  });
  let turn = 0;
  const nextChannel = () => channels[turn++ % channels.length];
  const interceptors = [propagation, errorMapping, tracing, metrics, retries(createRetryThrottle()), ...(options.interceptors ?? [])];

  const client: Record<string, unknown> = {
    close: () => {
      unwatch?.();
      channels.forEach((c) => c.close());
    },
  };
  for (const [key, method] of Object.entries(definition) as [string, D[keyof D] & Record<string, any>][]) {
    const [, service, name] = method.path.split('/');
    const policy = policyOf(method.path);
    const kind = method.responseStream ? 'server_stream' : 'unary';
    const outbound = (callOptions: CallOptions = {}): OutboundCall => {
      const metadata = new grpc.Metadata();
      for (const [header, value] of Object.entries(callOptions.metadata ?? {})) metadata.set(header, value);
      const deadline = Date.now() + (callOptions.deadlineMs ?? options.deadlineMs);
      return { service, method: name, kind, policy, metadata, deadline, signal: callOptions.signal, inbound: currentCall.getStore() };
    };

    if (method.responseStream) {
      client[key] = async function* stream(request: unknown, callOptions?: CallOptions) {
        const call = outbound(callOptions);
        propagate(call);
        const span = startClientSpan(service, name, call.metadata);
        const done = measure(call);
        // Streams are long-lived: the deadline applies only when the caller asks for one.
        const stream = nextChannel().makeServerStreamRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          call.metadata,
          callOptions?.deadlineMs ? { deadline: call.deadline } : {},
        );
        const release = cancelOnAbort(stream, call.signal);
        try {
          for await (const message of stream) yield message;
          if (span) endRpcSpan(span, Code.OK);
          done(Code.OK);
        } catch (error) {
          const rpc = toRpcError(error);
          if (span) endRpcSpan(span, rpc.code, rpc.message);
          done(rpc.code);
          throw toOutboundError(error, call);
        } finally {
          // A consumer that stopped reading early ends the stream here.
          if (span?.isRecording()) endRpcSpan(span, Code.CANCELLED);
          release();
          stream.cancel();
        }
      };
    } else {
      const send: ClientNext = (request, call) =>
        new Promise((resolve, reject) => {
          const sent = nextChannel().makeUnaryRequest(
            method.path,
            method.requestSerialize,
            method.responseDeserialize,
            request,
            call.metadata,
            { deadline: call.deadline },
            (error, response) => {
              release();
              if (error) reject(error);
              else resolve(response);
            },
          );
          const release = cancelOnAbort(sent, call.signal);
        });
      const run = chainClient(interceptors, send);
      client[key] = (request: unknown, callOptions?: CallOptions) => run(request, outbound(callOptions));
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
