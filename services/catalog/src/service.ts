import { defineService } from '../../../platform/rpc/bind-service';
import type { ServiceDeps } from '../../../platform/service-runtime';
import { CatalogServiceService } from '../../../gen/ts/shop/catalog/v1/catalog';
import type { CatalogConfig } from './config';
import { orderEventHandlers } from './handlers/order-events';
import { productReadHandlers } from './handlers/product-reads';
import { productWriteHandlers } from './handlers/product-writes';
import { createReservationSweeper } from './handlers/reservation-sweeper';
import { stockReservationHandlers } from './handlers/stock-reservations';
import { createCatalogCache } from './store/catalog-cache';
import { createProductsStore } from './store/products-store';
import { createStockStore } from './store/stock-store';

export const SERVICE_NAME = 'catalog';

/** The catalog contract over its store and cache, and the order events it reacts to; used by main.ts and by tests alike. */
export function createCatalogService({ config, db, redis, outbox, log, onClose }: ServiceDeps<CatalogConfig>) {
  const store = createProductsStore(db, outbox);
  const stock = createStockStore(db);
  const cache = createCatalogCache(redis, {
    namespace: config.CATALOG_DB_NAME,
    ttlSeconds: config.CATALOG_CACHE_TTL_SECONDS,
    log: log.child({ component: 'cache' }),
  });
  const sweeper = createReservationSweeper({
    stock,
    cache,
    intervalMs: config.CATALOG_RESERVATION_SWEEP_INTERVAL_MS,
    log: log.child({ component: 'reservation-sweeper' }),
  });
  sweeper.start();
  onClose('reservation sweeper', () => sweeper.stop());

  return {
    binding: defineService({
      definition: CatalogServiceService,
      handlers: {
        ...productReadHandlers({ store, cache }),
        ...productWriteHandlers({ store, cache }),
        ...stockReservationHandlers({ stock, cache, ttlSeconds: config.CATALOG_RESERVATION_TTL_SECONDS }),
      },
    }),
    subscriptions: orderEventHandlers({ stock, cache, log: log.child({ component: 'stock-events' }) }),
    sweeper,
  };
}
