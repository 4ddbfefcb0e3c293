import { z } from 'zod';
import { integer, serviceConfig } from '../../../platform/config';

export const catalogConfig = serviceConfig({ grpcPort: 50052, metricsPort: 9452 }).extend({
  CATALOG_DB_NAME: z.string().default('shop_catalog'),
  /**
   * How long a cached product or list lives. Writes invalidate at once; the TTL
   * only bounds staleness when an invalidation is lost (Redis down mid-write).
   */
  CATALOG_CACHE_TTL_SECONDS: integer(
    z
      .number()
      .min(1)
      .max(24 * 3600),
  ).default(60),
  /** Consumer group of the order and payment events that confirm and release reservations; tests use their own. */
  CATALOG_CONSUMER_GROUP: z.string().min(1).default('catalog'),
  /**
   * A reservation nobody confirms (no OrderCreated) within this time is
   * released. Longer than the worst delay of an OrderCreated reaching
   * catalog: one that arrives later takes its stock again, even below zero.
   */
  CATALOG_RESERVATION_TTL_SECONDS: integer(
    z
      .number()
      .min(1)
      .max(7 * 24 * 3600),
  ).default(15 * 60),
  /** How often expired reservations are looked for. */
  CATALOG_RESERVATION_SWEEP_INTERVAL_MS: integer(z.number().min(10).max(3600_000)).default(30_000),
});

export type CatalogConfig = z.infer<typeof catalogConfig>;
