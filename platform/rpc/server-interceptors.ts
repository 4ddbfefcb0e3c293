import { bearerToken, SERVICE_ROLE, type Tokens } from '../auth';
import { transientFailure } from '../db-errors';
import { Code, permissionDenied, RpcError, unauthenticated, unavailable } from '../errors';
import { rpcMetrics } from '../metrics';
import { type Interceptor } from './interceptor';

const grpcCodeName = (code: number) => Code[code] ?? 'UNKNOWN';

/** RED metrics for every call: started, handled by code, latency. Outermost. */
export const metricsInterceptor: Interceptor = (next) => async (request, ctx) => {
  const labels = { grpc_service: ctx.service, grpc_method: ctx.method, grpc_type: ctx.kind };
  rpcMetrics.serverStarted.inc(labels);
  const stop = rpcMetrics.serverSeconds.startTimer(labels);
  let code: number = Code.OK;
  try {
    return await next(request, ctx);
  } catch (error) {
    code = RpcError.from(error)?.code ?? Code.UNKNOWN;
    throw error;
  } finally {
    stop();
    rpcMetrics.serverHandled.inc({ ...labels, grpc_code: grpcCodeName(code) });
  }
};

/**
 * Every failure leaves as an RpcError. Errors thrown on purpose keep their code
 * and details; a transaction the database gave up (deadlock, lock wait) is
 * ABORTED, which the caller may retry as a whole; infrastructure that is down
 * or going down is UNAVAILABLE; anything else is logged here (database errors
 * without their SQL or values: platform/safe-error.ts) and answered INTERNAL
 * with nothing of its text, stack or SQL.
 */
export const errorInterceptor: Interceptor = (next) => async (request, ctx) => {
  try {
    return await next(request, ctx);
  } catch (error) {
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
  }
};

/**
 * Verifies the bearer token and enforces the method's declared access. Public
 * methods ignore a bad token (a stale token must not block Login); the others
 * reject it.
 */
export function authInterceptor(tokens: Tokens): Interceptor {
  return (next) => async (request, ctx) => {
    const header = ctx.metadata.get('authorization')[0];
    if (ctx.access === 'public') {
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
