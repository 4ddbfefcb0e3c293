import { PaymentStatus, type Payment } from '../../../../gen/ts/shop/payments/v1/payments';
import type { PaymentRow } from '../store/payments-store';

const STATUS: Record<PaymentRow['status'], PaymentStatus> = {
  PENDING: PaymentStatus.PAYMENT_STATUS_PENDING,
  SUCCEEDED: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
  FAILED: PaymentStatus.PAYMENT_STATUS_FAILED,
  REFUNDED: PaymentStatus.PAYMENT_STATUS_REFUNDED,
  CANCELLED: PaymentStatus.PAYMENT_STATUS_CANCELLED,
};

/** A stored payment as GetPayment and ListPayments answer it (the payment token lives in payment_intents, never here). */
export function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    orderId: row.order_id,
    userId: row.user_id,
    amount: { currencyCode: row.currency, amountMinor: String(row.amount_minor) },
    status: STATUS[row.status],
    failureReason: row.failure_reason,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
