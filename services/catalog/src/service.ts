import { defineService } from '../../../platform/rpc/bind-service';
import type { ServiceDeps } from '../../../platform/service-runtime';
import { CatalogServiceService } from '../../../gen/ts/shop/catalog/v1/catalog';
import type { CatalogConfig } from './config';
import { productReadHandlers } from './handlers/product-reads';
import { productWriteHandlers } from './handlers/product-writes';
import { createCatalogCache } from './store/catalog-cache';
import { createProductsStore } from './store/products-store';

export const SERVICE_NAME = 'catalog';

/** The catalog contract over its store and cache; used by main.ts and by tests alike. */
export function createCatalogService({ config, db, redis, outbox, log }: ServiceDeps<CatalogConfig>) {
  const store = createProductsStore(db, outbox);
  const cache = createCatalogCache(redis, {
    namespace: config.CATALOG_DB_NAME,
    ttlSeconds: config.CATALOG_CACHE_TTL_SECONDS,
    log: log.child({ component: 'cache' }),
  });

  return defineService({
    definition: CatalogServiceService,
    handlers: { ...productReadHandlers({ store, cache }), ...productWriteHandlers({ store, cache }) },
    access: {
      listProducts: 'public',
      getProduct: 'public',
      batchGetProducts: 'public',
      listCategories: 'public',
      createProduct: 'admin',
      updateProduct: 'admin',
    },
  });
}
