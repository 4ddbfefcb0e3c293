import { notFound, permissionDenied } from '../../../../platform/errors';
import { caller, isAdmin, type CallContext } from '../../../../platform/rpc/context';
import { PaymentStatus, type GetPaymentRequest, type GetPaymentResponse } from '../../../../gen/ts/shop/payments/v1/payments';
import type { PaymentRow, PaymentsStore } from '../store/payments-store';
import { parseId } from '../../../../platform/ids';

const STATUS: Record<PaymentRow['status'], PaymentStatus> = {
  PENDING: PaymentStatus.PAYMENT_STATUS_PENDING,
  SUCCEEDED: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
  FAILED: PaymentStatus.PAYMENT_STATUS_FAILED,
  REFUNDED: PaymentStatus.PAYMENT_STATUS_REFUNDED,
  CANCELLED: PaymentStatus.PAYMENT_STATUS_CANCELLED,
};

/** The payment of one of the caller's orders (admins may read any). */
export function getPaymentHandler(store: PaymentsStore) {
  return async function getPayment(req: GetPaymentRequest, ctx: CallContext): Promise<GetPaymentResponse> {
    const row = await store.byOrder(parseId(req.orderId, 'order_id', 'order'));
    if (!row) throw notFound('payment', `for order ${req.orderId}`);
    if (row.user_id !== caller(ctx).userId && !isAdmin(ctx)) throw permissionDenied('this payment belongs to another user');
    return {
      payment: {
        id: row.id,
        orderId: row.order_id,
        userId: row.user_id,
        amount: { currencyCode: row.currency, amountMinor: String(row.amount_minor) },
        status: STATUS[row.status],
        failureReason: row.failure_reason,
        attempts: row.attempts,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      },
    };
  };
}
