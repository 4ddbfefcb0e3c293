import { context } from '@opentelemetry/api';
import { bearerToken, SERVICE_ROLE, type Tokens } from '../auth';
import { transientFailure } from '../db-errors';
import { Code, permissionDenied, RpcError, unauthenticated, unavailable } from '../errors';
import { rpcMetrics } from './rpc-metrics';
import type { CallContext } from './context';
import type { Interceptor, Next } from './interceptor';
import { endRpcSpan, startServerSpan, tracingOn } from './rpc-tracing';

const grpcCodeName = (code: number) => Code[code] ?? 'UNKNOWN';

/**
 * next() as a promise, a synchronous throw included. The platform's own
 * interceptors chain with then() rather than async/await: every promise of a
 * call also runs the AsyncLocalStorage hooks, and a trivial call made about
 * twenty of them.
 */
function invoke(next: Next, request: unknown, ctx: CallContext): Promise<unknown> {
  try {
    return next(request, ctx);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The call's SERVER span (platform/rpc/rpc-tracing.ts), active while the
 * rest of the chain runs: outermost, so the metrics' exemplars, the logs and
 * outbound calls see it, and it ends with the code the caller gets.
 */
export const tracingInterceptor: Interceptor = (next) => (request, ctx) => {
  if (!tracingOn()) return invoke(next, request, ctx);
  const { span, context: traced } = startServerSpan(ctx.service, ctx.method, ctx.metadata);
  return context
    .with(traced, () => invoke(next, request, ctx))
    .then(
      (response) => {
        endRpcSpan(span, Code.OK);
        return response;
      },
      (error: unknown) => {
        const rpc = RpcError.from(error);
        endRpcSpan(span, rpc?.code ?? Code.UNKNOWN, rpc?.message);
        throw error;
      },
    );
};

/**
 * RED metrics for every call: started, handled by code, latency. The chain
 * is built per method, so the label sets are bound on its first call and
 * reused (prom-client's `labels()`), not rebuilt per call.
 */
export const metricsInterceptor: Interceptor = (next) => {
  let bound: ReturnType<typeof bindRpcLabels> | undefined;
  return (request, ctx) => {
    const labels = (bound ??= bindRpcLabels(ctx));
    labels.started.inc();
    const stop = rpcMetrics.serverSeconds.startTimer(labels.labels);
    return invoke(next, request, ctx).then(
      (response) => {
        stop();
        labels.handled(Code.OK).inc();
        return response;
      },
      (error: unknown) => {
        stop();
        labels.handled(RpcError.from(error)?.code ?? Code.UNKNOWN).inc();
        throw error;
      },
    );
  };
};

function bindRpcLabels(ctx: CallContext) {
  const labels = { grpc_service: ctx.service, grpc_method: ctx.method, grpc_type: ctx.kind };
  const handledByCode = new Map<number, { inc(): void }>();
  return {
    labels,
    started: rpcMetrics.serverStarted.labels(labels),
    handled(code: number) {
      let counter = handledByCode.get(code);
      if (!counter) handledByCode.set(code, (counter = rpcMetrics.serverHandled.labels({ ...labels, grpc_code: grpcCodeName(code) })));
      return counter;
    },
  };
}

/**
 * Every failure leaves as an RpcError. Errors thrown on purpose keep their code
 * and details; a transaction the database gave up (deadlock, lock wait) is
 * ABORTED, which the caller may retry as a whole; infrastructure that is down
 * or going down is UNAVAILABLE; anything else is logged here (database errors
 * without their SQL or values: platform/safe-error.ts) and answered INTERNAL
 * with nothing of its text, stack or SQL.
 */
export const errorInterceptor: Interceptor = (next) => (request, ctx) =>
  invoke(next, request, ctx).catch((error: unknown) => {
    const rpc = RpcError.from(error);
    if (rpc) {
      if (rpc.code === Code.INTERNAL || rpc.code === Code.UNKNOWN) ctx.log.error({ err: error }, 'rpc failed');
      throw rpc;
    }
    if (ctx.signal.aborted) throw new RpcError(Code.CANCELLED, 'call cancelled');
    const transient = transientFailure(error);
    if (transient === 'deadlock' || transient === 'lock-wait') {
      ctx.log.warn({ err: error }, 'transaction aborted by the database');
      throw new RpcError(Code.ABORTED, 'the transaction conflicted with another one; retry the call', { reason: 'TRANSACTION_CONFLICT' });
    }
    if (transient) {
      ctx.log.warn({ err: error, failure: transient }, 'dependency unavailable');
      throw unavailable('a dependency of this service is unavailable, retry later');
    }
    ctx.log.error({ err: error }, 'unexpected error');
    throw new RpcError(Code.INTERNAL, 'internal error');
  });

/**
 * Verifies the bearer token and enforces the method's declared access. Public
 * methods ignore a bad token (a stale token must not block Login); the others
 * reject it.
 */
export function authInterceptor(tokens: Tokens): Interceptor {
  return (next) => async (request, ctx) => {
    const header = ctx.metadata.get('authorization')[0];
    if (ctx.access === 'public') {
      if (header === undefined) return next(request, ctx);
      try {
        const token = bearerToken(typeof header === 'string' ? header : undefined);
        if (token) ctx.identity = await tokens.verify(token);
      } catch {
        ctx.identity = undefined;
      }
      return next(request, ctx);
    }
    const token = bearerToken(typeof header === 'string' ? header : undefined);
    if (!token) throw unauthenticated('this method requires "authorization: Bearer <token>"');
    ctx.identity = await tokens.verify(token);
    if (ctx.access === 'admin' && !ctx.identity.roles.includes('admin')) {
      throw permissionDenied(`${ctx.method} requires the admin role`);
    }
    if (ctx.access === 'service' && !ctx.identity.roles.includes(SERVICE_ROLE)) {
      throw permissionDenied(`${ctx.method} is for services: it needs a service token (role "${SERVICE_ROLE}")`);
    }
    return next(request, ctx);
  };
}
