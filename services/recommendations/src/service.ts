import { join } from 'node:path';
import { defineService } from '../../../platform/rpc/bind-service';
import { defineServiceSpec, type ServiceDeps } from '../../../platform/service-spec';
import { CatalogServiceService } from '../../../gen/ts/shop/catalog/v1/catalog';
import { RecommendationsServiceService } from '../../../gen/ts/shop/recommendations/v1/recommendations';
import { recommendationsConfig, type RecommendationsConfig } from './config';
import { businessEventHandlers } from './handlers/business-events';
import { recommendationReadHandlers } from './handlers/recommendation-reads';
import { createSimilarLists } from './handlers/similar-lists';
import { createCatalogProducts } from './store/catalog-products';
import { createCoPurchasesStore } from './store/co-purchases-store';
import { createSimilarCache } from './store/similar-cache';

const needs = { database: { migrationsDir: join(__dirname, '..', 'migrations') }, redis: true, consumer: true } as const;
const calls = { catalog: CatalogServiceService };

/** Recommendations: co-purchase counts learnt from orders, similar products from the catalog. */
export const recommendationsService = defineServiceSpec({ name: 'recommendations', config: recommendationsConfig, needs, calls, build: buildRecommendations });

/** The recommendations contract and the events it learns from. */
function buildRecommendations({ config, db, redis, log, clients }: ServiceDeps<RecommendationsConfig, typeof needs, typeof calls>) {
  const catalog = createCatalogProducts(clients.catalog);
  const store = createCoPurchasesStore(db);
  const cache = createSimilarCache(redis, {
    namespace: config.RECOMMENDATIONS_DB_NAME,
    ttlSeconds: config.RECOMMENDATIONS_CACHE_TTL_SECONDS,
    log: log.child({ component: 'cache' }),
  });
  const similar = createSimilarLists({ catalog, cache });

  return {
    contract: defineService({
      definition: RecommendationsServiceService,
      handlers: recommendationReadHandlers({ store, catalog, similar }),
    }),
    subscriptions: businessEventHandlers({ store, cache, log }),
  };
}
