import { z } from 'zod';
import { integer, serviceConfig } from '../../../platform/config';

export const recommendationsConfig = serviceConfig({ grpcPort: 50056, metricsPort: 9456 }).extend({
  RECOMMENDATIONS_DB_NAME: z.string().default('shop_recommendations'),
  /** Consumer group; tests use their own. */
  RECOMMENDATIONS_CONSUMER_GROUP: z.string().min(1).default('recommendations'),
  /**
   * How long a cached similar-products list lives. ProductChanged retires the
   * lists it affects at once; the TTL only bounds staleness when an
   * invalidation is lost (Redis down when the event arrived).
   */
  RECOMMENDATIONS_CACHE_TTL_SECONDS: integer(
    z
      .number()
      .min(1)
      .max(24 * 3600),
  ).default(300),
});

export type RecommendationsConfig = z.infer<typeof recommendationsConfig>;
