import { z } from 'zod';
import { serviceConfig } from '../../../platform/config';

export const ordersConfig = serviceConfig({ grpcPort: 50053, metricsPort: 9453 }).extend({
  ORDERS_DB_NAME: z.string().default('shop_orders'),
  /** Consumer group; tests use their own. */
  ORDERS_CONSUMER_GROUP: z.string().min(1).default('orders'),
});

export type OrdersConfig = z.infer<typeof ordersConfig>;
