import type { Knex } from 'knex';
import type { EventHandler, Subscriptions } from '../../../../platform/events/consumer';
import type { Logger } from '../../../../platform/logger';
import type { OrderCancelled, OrderCreated } from '../../../../gen/ts/shop/orders/v1/events';
import type { PaymentFailed } from '../../../../gen/ts/shop/payments/v1/events';
import type { CatalogCache } from '../store/catalog-cache';
import type { StockChange, StockStore } from '../store/stock-store';

/**
 * The saga's side of stock: the order's events decide what its reservation
 * (id = order id) becomes. OrderCreated confirms it (no TTL release any more);
 * a failed payment or a cancellation gives the stock back, once, however often
 * the event is delivered. Orders without a reservation (written before
 * reservations existed) are left alone.
 */
export function orderEventHandlers({ stock, cache, log }: { stock: StockStore; cache: CatalogCache; log: Logger }): Subscriptions {
  const afterCommit = (trx: Knex.Transaction, change: StockChange | undefined) => {
    if (!change?.changedProductIds.length) return;
    trx.executionPromise.then(
      () => cache.productsChanged(change.changedProductIds),
      () => undefined,
    );
  };
  const missing = (orderId: string, event: string) => log.debug({ orderId, event }, 'no stock reservation for this order');

  const orderCreated: EventHandler<OrderCreated> = async (event, _envelope, trx) => {
    const change = await stock.confirm(trx, event.orderId, new Date());
    if (!change) return missing(event.orderId, 'OrderCreated');
    if (change.changedProductIds.length) log.warn({ orderId: event.orderId }, 'order created after its reservation was abandoned: stock taken again');
    afterCommit(trx, change);
  };

  const release = async (trx: Knex.Transaction, orderId: string, reason: string, event: string) => {
    const change = await stock.release(orderId, 'ENDED', reason, new Date(), trx);
    if (!change) return missing(orderId, event);
    afterCommit(trx, change);
  };
  const paymentFailed: EventHandler<PaymentFailed> = (event, _envelope, trx) => release(trx, event.orderId, `payment failed: ${event.reason}`, 'PaymentFailed');
  const orderCancelled: EventHandler<OrderCancelled> = (event, _envelope, trx) =>
    release(trx, event.orderId, `order cancelled: ${event.reason}`, 'OrderCancelled');

  return { OrderCreated: orderCreated, PaymentFailed: paymentFailed, OrderCancelled: orderCancelled };
}
