import type { Knex } from 'knex';
import type { EventHandler } from '../../../../platform/events/consumer';
import type { Outbox } from '../../../../platform/events/outbox';
import type { Logger } from '../../../../platform/logger';
import type { PaymentFailed, PaymentSucceeded } from '../../../../gen/ts/shop/payments/v1/events';
import { canTransition, type OrderStatus } from '../domain/order-status';
import type { OrdersStore } from '../store/orders-store';

/**
 * The saga's answer side: payment results move the order. A result for an
 * order that already left PENDING (cancelled meanwhile) changes nothing here;
 * payments refunds a paid order when it sees the OrderCancelled.
 */
export function paymentEventHandlers(store: OrdersStore, outbox: Outbox, log: Logger) {
  async function move(trx: Knex.Transaction, orderId: string, to: OrderStatus, reason: string): Promise<boolean> {
    const order = await store.lock(trx, orderId);
    if (!order) {
      log.warn({ orderId }, 'payment result for an unknown order');
      return false;
    }
    if (!canTransition(order.status, to)) {
      log.info({ orderId, from: order.status, to }, 'payment result ignored: order already moved on');
      return false;
    }
    await store.setStatus(trx, orderId, to, reason);
    return true;
  }

  const paymentSucceeded: EventHandler<PaymentSucceeded> = async (event, _envelope, trx) => {
    if (!(await move(trx, event.orderId, 'PAID', ''))) return;
    await outbox.add(trx, 'OrderPaid', event.orderId, {
      orderId: event.orderId,
      userId: event.userId,
      paymentId: event.paymentId,
      total: event.amount,
      paidAt: event.processedAt ?? new Date(),
    });
  };

  const paymentFailed: EventHandler<PaymentFailed> = async (event, _envelope, trx) => {
    await move(trx, event.orderId, 'PAYMENT_FAILED', event.reason || 'payment failed');
  };

  return { PaymentSucceeded: paymentSucceeded, PaymentFailed: paymentFailed };
}
