import type { CallContext } from '../../../../platform/rpc/context';
import { requireOwnerOrAdmin } from '../../../../platform/rpc/owner-or-admin';
import type { GetPaymentRequest, GetPaymentResponse } from '../../../../gen/ts/shop/payments/v1/payments';
import type { PaymentsStore } from '../store/payments-store';
import { parseId } from '../../../../platform/ids';
import { toPayment } from './mapping';

/** The payment of one of the caller's orders (admins may read any). */
export function getPaymentHandler(store: PaymentsStore) {
  return async function getPayment(req: GetPaymentRequest, ctx: CallContext): Promise<GetPaymentResponse> {
    const found = await store.byOrder(parseId(req.orderId, 'order_id', 'order'));
    const row = requireOwnerOrAdmin(ctx, found, (p) => p.user_id, { type: 'payment', name: `for order ${req.orderId}` });
    return { payment: toPayment(row) };
  };
}
