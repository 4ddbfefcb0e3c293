import type { Subscriptions } from '../../../../platform/events/consumer';
import type { Logger } from '../../../../platform/logger';
import { coPurchasePairs } from '../domain/co-purchases';
import type { CoPurchasesStore } from '../store/co-purchases-store';
import type { SimilarCache } from '../store/similar-cache';

/**
 * The one list of events recommendations reacts to. Neither handler calls
 * another service: an event needs no deadline it could miss, and a retry
 * redoes nothing but what the transaction rolled back.
 */
export function businessEventHandlers({ store, cache, log }: { store: CoPurchasesStore; cache: SimilarCache; log: Logger }): Subscriptions {
  return {
    // In the transaction that claims the event id: a redelivered order counts once.
    OrderCreated: async (order, _envelope, trx) => {
      await store.add(trx, coPurchasePairs(order.items.map((item) => item.productId)));
    },

    // Redis takes no part in the transaction, so the invalidation waits for the claim to commit.
    ProductChanged: async (event, envelope, trx) => {
      const product = event.product;
      if (!product) {
        log.warn({ eventId: envelope.id }, 'ProductChanged without a product; nothing to invalidate');
        return;
      }
      trx.executionPromise
        .then(
          () => cache.productChanged(product),
          () => undefined,
        )
        .catch((error) => log.warn({ err: error, productId: product.id }, 'similar lists not invalidated'));
    },
  };
}
