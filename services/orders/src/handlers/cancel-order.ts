import type { Outbox } from '../../../../platform/events/outbox';
import type { CallContext } from '../../../../platform/rpc/context';
import { Violations } from '../../../../platform/errors';
import type { CancelOrderRequest, CancelOrderResponse } from '../../../../gen/ts/shop/orders/v1/orders';
import { assertTransition } from '../domain/order-status';
import type { OrdersStore } from '../store/orders-store';
import { toOrder } from './mapping';
import { ownOrder } from './order-queries';

/** PENDING or PAID -> CANCELLED with an OrderCancelled event; a paid order is then refunded by payments. */
export function cancelOrderHandler(store: OrdersStore, outbox: Outbox) {
  return async function cancelOrder(req: CancelOrderRequest, ctx: CallContext): Promise<CancelOrderResponse> {
    new Violations().check(req.reason.length <= 255, 'reason', 'must be at most 255 characters').throwIfAny();
    const { order } = await ownOrder(store, req.orderId, ctx);
    await store.transaction(async (trx) => {
      const current = (await store.lock(trx, order.id))!;
      assertTransition(order.id, current.status, 'CANCELLED');
      const reason = req.reason.trim() || 'cancelled by the customer';
      await store.setStatus(trx, order.id, 'CANCELLED', reason);
      await outbox.add(trx, 'OrderCancelled', order.id, {
        orderId: order.id,
        userId: order.user_id,
        reason,
        wasPaid: current.status === 'PAID',
        cancelledAt: new Date(),
      });
    });
    return { order: toOrder((await store.byId(order.id))!) };
  };
}
