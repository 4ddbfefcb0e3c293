import { Code, failedPrecondition, RpcError, unavailable } from '../../../../platform/errors';

/**
 * What a failed call to users, catalog or payments means for the caller of CreateOrder:
 * a dependency that is down or too slow (the platform client already made
 * that UNAVAILABLE: platform/rpc/client-interceptors.ts) says nothing was
 * written; the caller's own credentials problems pass through as they are.
 */
export function dependencyFailure(service: string, error: unknown): Error {
  if (!(error instanceof RpcError)) return error as Error;
  if (error.code === Code.UNAVAILABLE) return unavailable(`${service} service is unavailable; nothing was written, retry later`);
  if (error.code === Code.NOT_FOUND && service === 'users') {
    return failedPrecondition('the calling user no longer exists', 'USER_NOT_FOUND');
  }
  if (error.code === Code.NOT_FOUND && service === 'catalog') {
    const missing = error.details.metadata?.missing_ids ?? error.details.resource?.name ?? '';
    return new RpcError(Code.FAILED_PRECONDITION, `unknown product(s): ${missing}`, {
      reason: 'PRODUCT_NOT_FOUND',
      metadata: { missing_ids: missing },
      preconditionViolations: missing
        .split(',')
        .filter(Boolean)
        .map((id) => ({ type: 'PRODUCT_EXISTS', subject: `products/${id}`, description: `product ${id} does not exist` })),
    });
  }
  return error;
}

/**
 * What a failed ReserveStock means for the caller of CreateOrder. OUT_OF_STOCK
 * (FAILED_PRECONDITION naming the products) passes through with its details;
 * unknown products and an unreachable catalog map as for any catalog call.
 * The call carries orders' own service token, so a refused token is this
 * deployment's fault (a JWT secret that differs between services), not the
 * caller's: INTERNAL, never the caller's PERMISSION_DENIED.
 */
export function stockReservationFailure(error: unknown): Error {
  if (error instanceof RpcError && (error.code === Code.UNAUTHENTICATED || error.code === Code.PERMISSION_DENIED)) {
    return new RpcError(Code.INTERNAL, 'orders could not reserve stock: catalog refused its service token');
  }
  return dependencyFailure('catalog', error);
}

/**
 * What a failed CreatePaymentIntent means for the caller of CreateOrder. As
 * for stock: a refused service token is this deployment's fault (INTERNAL);
 * a payments service that is down is UNAVAILABLE; anything else (an intent
 * stored for another amount) passes through with its details.
 */
export function paymentIntentFailure(error: unknown): Error {
  if (error instanceof RpcError && (error.code === Code.UNAUTHENTICATED || error.code === Code.PERMISSION_DENIED)) {
    return new RpcError(Code.INTERNAL, 'orders could not hand the payment to payments: payments refused its service token');
  }
  return dependencyFailure('payments', error);
}
