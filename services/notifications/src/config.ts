import { z } from 'zod';
import { integer, serviceConfig } from '../../../platform/config';

export const notificationsConfig = serviceConfig({ grpcPort: 50055, metricsPort: 9455 }).extend({
  NOTIFICATIONS_DB_NAME: z.string().default('shop_notifications'),
  /** Consumer group; tests use their own. */
  NOTIFICATIONS_CONSUMER_GROUP: z.string().min(1).default('notifications'),
  /** Live watches (WatchNotifications) one user may hold on one instance; beyond, RESOURCE_EXHAUSTED. */
  NOTIFICATIONS_MAX_WATCHES_PER_USER: integer(z.number().min(1)).default(5),
  /** Live watches one instance holds in total; beyond, RESOURCE_EXHAUSTED. */
  NOTIFICATIONS_MAX_WATCHES: integer(z.number().min(1)).default(2_000),
});

export type NotificationsConfig = z.infer<typeof notificationsConfig>;
