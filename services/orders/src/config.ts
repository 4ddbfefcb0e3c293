import { z } from 'zod';
import { csv, serviceConfig } from '../../../platform/config';

export const ordersConfig = serviceConfig({ grpcPort: 50053, metricsPort: 9453 }).extend({
  ORDERS_DB_NAME: z.string().default('shop_orders'),
  /** Consumer group; tests use their own. */
  ORDERS_CONSUMER_GROUP: z.string().min(1).default('orders'),
  /** users instances (host:port, comma-separated; several are balanced). */
  USERS_ADDRESSES: csv.default(['127.0.0.1:50051']),
  CATALOG_ADDRESSES: csv.default(['127.0.0.1:50052']),
  /** payments instances: CreateOrder hands the payment token to payments (CreatePaymentIntent), never to Kafka. */
  PAYMENTS_ADDRESSES: csv.default(['127.0.0.1:50054']),
});

export type OrdersConfig = z.infer<typeof ordersConfig>;
