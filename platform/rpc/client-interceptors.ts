import type { Metadata, ServiceError } from '@grpc/grpc-js';
import { backoffDelay, RPC_RETRY } from '../backoff';
import { Code, RpcError, unavailable } from '../errors';
import { rpcMetrics } from './rpc-metrics';
import { RETRY_PUSHBACK } from './bind-service';
import type { CallContext } from './context';
import type { MethodPolicy } from './method-policy';
import { endRpcSpan, startClientSpan } from './rpc-tracing';

/**
 * One outbound call as the client chain sees it: what the server chain's
 * CallContext is to a handler. Interceptors may change the metadata and the
 * deadline before the call leaves.
 */
export interface OutboundCall {
  /** Full service name, e.g. "shop.users.v1.UsersService". */
  readonly service: string;
  /** Method name as in the contract, e.g. "GetUser". */
  readonly method: string;
  readonly kind: 'unary' | 'server_stream';
  /** The contract's policy for this method (platform/rpc/method-policy.ts). */
  readonly policy: MethodPolicy;
  readonly metadata: Metadata;
  /** Epoch ms. */
  deadline: number;
  readonly signal?: AbortSignal;
  /** The call this process is serving while it makes this one, if any. */
  readonly inbound?: CallContext;
}

/** One step of a unary client call; the innermost sends it. Rejections are RpcError outside `errorMapping`. */
export type ClientNext = (request: unknown, call: OutboundCall) => Promise<unknown>;
export type ClientInterceptor = (next: ClientNext) => ClientNext;

/** The first interceptor is the outermost, as on the server (platform/rpc/interceptor.ts). */
export function chainClient(interceptors: ClientInterceptor[], send: ClientNext): ClientNext {
  return interceptors.reduceRight((next, interceptor) => interceptor(next), send);
}

/**
 * A call made while serving another carries the caller's authorization
 * (unless the call sets its own) and never outlives the caller's deadline.
 */
export function propagate(call: OutboundCall): void {
  const { inbound } = call;
  if (!inbound) return;
  if (!call.metadata.get('authorization').length) {
    const authorization = inbound.metadata.get('authorization')[0];
    if (typeof authorization === 'string') call.metadata.set('authorization', authorization);
  }
  if (inbound.deadline !== undefined && inbound.deadline < call.deadline) call.deadline = inbound.deadline;
}

export const propagation: ClientInterceptor = (next) => (request, call) => {
  propagate(call);
  return next(request, call);
};

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

/** Starts the clock of a call; the returned function records how it ended. */
export function measure(call: OutboundCall): (code: number) => void {
  const labels = { grpc_service: call.service, grpc_method: call.method, grpc_type: call.kind };
  const stop = rpcMetrics.clientSeconds.startTimer(labels);
  return (code) => {
    const seconds = stop();
    rpcMetrics.clientHandled.inc({ ...labels, grpc_code: Code[code] ?? 'UNKNOWN' });
    for (const observe of callObservers) observe({ contract: call.service, method: call.method, code, latencyMs: seconds * 1000 });
  };
}

/**
 * grpc_client_* metrics and the call observers, once per call (its retries
 * included), with the code the callee answered: it runs inside `errorMapping`.
 */
export const metrics: ClientInterceptor = (next) => async (request, call) => {
  const done = measure(call);
  try {
    const response = await next(request, call);
    done(Code.OK);
    return response;
  } catch (error) {
    const { code } = error as { code?: unknown };
    done(typeof code === 'number' ? code : Code.UNKNOWN);
    throw error;
  }
};

/** Codes that mean "the dependency is down or too slow", not "the request was wrong". */
const DEPENDENCY_DOWN = new Set([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.CANCELLED, Code.RESOURCE_EXHAUSTED]);

/**
 * Failures arrive as RpcError with the callee's google.rpc details. Inside a
 * call being served, a dependency that is down or too slow becomes
 * UNAVAILABLE ("<name> service is unavailable, retry later"), which the
 * caller may retry, without the callee's own message (addresses, timings);
 * every other refusal passes as the callee answered it, for the handler to
 * judge. An UNAVAILABLE that survived the retries spends the path's retry
 * budget (see RPC_RETRY and platform/rpc/bind-service.ts).
 */
export function toOutboundError(error: unknown, call: OutboundCall): RpcError {
  const rpc = toRpcError(error);
  const { inbound } = call;
  if (!inbound) return rpc;
  if (rpc.code === Code.UNAVAILABLE) inbound.retryBudgetSpent = true;
  if (DEPENDENCY_DOWN.has(rpc.code)) return unavailable(`${shortName(call.service)} service is unavailable, retry later`);
  return rpc;
}

/**
 * The CLIENT span of a call (platform/rpc/rpc-tracing.ts), its retries
 * inside it, its trace context sent in the metadata. It runs inside
 * `errorMapping`, so the span has the code the callee answered.
 */
export const tracing: ClientInterceptor = (next) => (request, call) => {
  const span = startClientSpan(call.service, call.method, call.metadata);
  if (!span) return next(request, call);
  return next(request, call).then(
    (response) => {
      endRpcSpan(span, Code.OK);
      return response;
    },
    (error: unknown) => {
      const rpc = toRpcError(error);
      endRpcSpan(span, rpc.code, rpc.message);
      throw error;
    },
  );
};

export const errorMapping: ClientInterceptor = (next) => (request, call) =>
  next(request, call).catch((error: unknown) => {
    throw toOutboundError(error, call);
  });

export function toRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  const e = error as Partial<ServiceError>;
  if (typeof e.code === 'number') return RpcError.fromStatus(e.code, e.details ?? e.message ?? '', e.metadata);
  return new RpcError(Code.UNKNOWN, (error as Error).message);
}

/** "shop.catalog.v1.CatalogService" → "catalog". */
const shortName = (service: string) => service.split('.').at(-3) ?? service;

/**
 * Per client, retries stop while most recent calls fail (gRPC A6 retry
 * throttling, maxTokens 10, tokenRatio 0.1): each failure costs a token, each
 * success gives back 0.1; retrying needs more than half the tokens. A service
 * that is down then sees one attempt per call, not three.
 */
export function createRetryThrottle(maxTokens = 10, tokenRatio = 0.1) {
  let tokens = maxTokens;
  return {
    failed: () => {
      tokens = Math.max(0, tokens - 1);
    },
    succeeded: () => {
      tokens = Math.min(maxTokens, tokens + tokenRatio);
    },
    allows: () => tokens > maxTokens / 2,
  };
}
export type RetryThrottle = ReturnType<typeof createRetryThrottle>;

/**
 * Tries a call again on UNAVAILABLE when its contract says it may be
 * (idempotency_level NO_SIDE_EFFECTS or IDEMPOTENT): at most RPC_RETRY.attempts
 * attempts, jittered backoff (platform/backoff.ts), never past the deadline,
 * never after the server pushed back (it already spent the path's budget) or
 * the caller aborted. Each attempt goes out afresh, so round robin sends it
 * to another instance. Sees raw grpc-js errors: it runs inside `errorMapping`.
 */
export function retries(throttle: RetryThrottle = createRetryThrottle(), attempts = RPC_RETRY.attempts): ClientInterceptor {
  return (next) => async (request, call) => {
    if (!call.policy.retryable) return next(request, call);
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await next(request, call);
        throttle.succeeded();
        return response;
      } catch (error) {
        const { code, metadata } = error as Partial<ServiceError>;
        if (code !== Code.UNAVAILABLE) throw error;
        throttle.failed();
        const pushback = Number(metadata?.get(RETRY_PUSHBACK)[0] ?? Number.NaN);
        const wait = Number.isFinite(pushback) ? pushback : backoffDelay(attempt - 1, RPC_RETRY.backoff);
        if (attempt >= attempts || wait < 0 || !throttle.allows() || call.signal?.aborted || Date.now() + wait >= call.deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };
}
