import { join } from 'node:path';
import { defineService } from '../../../platform/rpc/bind-service';
import { defineServiceSpec, type ServiceDeps } from '../../../platform/service-spec';
import { CatalogServiceService } from '../../../gen/ts/shop/catalog/v1/catalog';
import { catalogConfig, type CatalogConfig } from './config';
import { orderEventHandlers } from './handlers/order-events';
import { productReadHandlers } from './handlers/product-reads';
import { productWriteHandlers } from './handlers/product-writes';
import { createReservationSweeper } from './handlers/reservation-sweeper';
import { stockReservationHandlers } from './handlers/stock-reservations';
import { createCatalogCache } from './store/catalog-cache';
import { createProductsStore } from './store/products-store';
import { createStockStore } from './store/stock-store';

const needs = { database: { migrationsDir: join(__dirname, '..', 'migrations') }, redis: true, outbox: true, consumer: true } as const;

/** The catalog: products, categories and stock over MariaDB with a Redis cache; reacts to order events. */
export const catalogService = defineServiceSpec({ name: 'catalog', config: catalogConfig, needs, build: buildCatalog });

/** The catalog contract over its store and cache, and the order events it reacts to. */
function buildCatalog({ config, db, redis, outbox, log, onClose }: ServiceDeps<CatalogConfig, typeof needs>) {
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
    contract: defineService({
      definition: CatalogServiceService,
      handlers: {
        ...productReadHandlers({ store, cache }),
        ...productWriteHandlers({ store, cache }),
        ...stockReservationHandlers({ stock, cache, ttlSeconds: config.CATALOG_RESERVATION_TTL_SECONDS }),
      },
    }),
    subscriptions: orderEventHandlers({ stock, cache, log: log.child({ component: 'stock-events' }) }),
  };
}
