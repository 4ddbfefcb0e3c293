import type { CallContext } from '../../../../platform/rpc/context';
import { requireOwnerOrAdmin } from '../../../../platform/rpc/owner-or-admin';
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
    const found = await store.byOrder(parseId(req.orderId, 'order_id', 'order'));
    const row = requireOwnerOrAdmin(ctx, found, (p) => p.user_id, { type: 'payment', name: `for order ${req.orderId}` });
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
