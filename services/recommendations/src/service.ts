import { createClient } from '../../../platform/client';
import { defineService } from '../../../platform/rpc/bind-service';
import type { ServiceDeps } from '../../../platform/service-runtime';
import { CatalogServiceService } from '../../../gen/ts/shop/catalog/v1/catalog';
import { RecommendationsServiceService } from '../../../gen/ts/shop/recommendations/v1/recommendations';
import type { RecommendationsConfig } from './config';
import { businessEventHandlers } from './handlers/business-events';
import { recommendationReadHandlers } from './handlers/recommendation-reads';
import { createSimilarLists } from './handlers/similar-lists';
import { createCatalogProducts } from './store/catalog-products';
import { createCoPurchasesStore } from './store/co-purchases-store';
import { createSimilarCache } from './store/similar-cache';

export const SERVICE_NAME = 'recommendations';

/** The recommendations contract and the events it learns from; used by main.ts and tests alike. */
export function createRecommendationsService({ config, db, redis, log, onClose, resolver }: ServiceDeps<RecommendationsConfig>) {
  const catalogClient = createClient(CatalogServiceService, { addresses: config.CATALOG_ADDRESSES, deadlineMs: config.CLIENT_DEADLINE_MS, resolver });
  onClose('catalog client', async () => catalogClient.close());
  const catalog = createCatalogProducts(catalogClient);
  const store = createCoPurchasesStore(db);
  const cache = createSimilarCache(redis, {
    namespace: config.RECOMMENDATIONS_DB_NAME,
    ttlSeconds: config.RECOMMENDATIONS_CACHE_TTL_SECONDS,
    log: log.child({ component: 'cache' }),
  });
  const similar = createSimilarLists({ catalog, cache });

  return {
    binding: defineService({
      definition: RecommendationsServiceService,
      handlers: recommendationReadHandlers({ store, catalog, similar }),
    }),
    subscriptions: businessEventHandlers({ store, cache, log }),
  };
}
