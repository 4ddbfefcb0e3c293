import { z } from 'zod';
import { serviceConfig } from '../../../platform/config';

export const notificationsConfig = serviceConfig({ grpcPort: 50055, metricsPort: 9455 }).extend({
  NOTIFICATIONS_DB_NAME: z.string().default('shop_notifications'),
  /** Consumer group; tests use their own. */
  NOTIFICATIONS_CONSUMER_GROUP: z.string().min(1).default('notifications'),
});

export type NotificationsConfig = z.infer<typeof notificationsConfig>;
