import { z } from 'zod';
import { integer, serviceConfig } from '../../../platform/config';

export const catalogConfig = serviceConfig({ grpcPort: 50052, metricsPort: 9452 }).extend({
  CATALOG_DB_NAME: z.string().default('shop_catalog'),
  /**
   * How long a cached product or list lives. Writes invalidate at once; the TTL
   * only bounds staleness when an invalidation is lost (Redis down mid-write).
   */
  CATALOG_CACHE_TTL_SECONDS: integer(z.number().min(1).max(24 * 3600)).default(60),
});

export type CatalogConfig = z.infer<typeof catalogConfig>;
