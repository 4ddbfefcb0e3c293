import { join } from 'node:path';
import { defineService } from '../../../platform/rpc/bind-service';
import { defineServiceSpec, type ServiceDeps } from '../../../platform/service-spec';
import { NotificationsServiceService } from '../../../gen/ts/shop/notifications/v1/notifications';
import { notificationsConfig, type NotificationsConfig } from './config';
import { createWatchQuota } from './domain/watch-quota';
import { businessEventHandlers } from './handlers/business-events';
import { listNotificationsHandler } from './handlers/list-notifications';
import { watchNotificationsHandler } from './handlers/watch-notifications';
import { createLiveFeed } from './store/live-feed';
import { createNotificationsStore } from './store/notifications-store';

const needs = { database: { migrationsDir: join(__dirname, '..', 'migrations') }, redis: true, consumer: true } as const;

/** Notifications: a per-user feed of every business event, and its live stream (Redis pub/sub). */
export const notificationsService = defineServiceSpec({ name: 'notifications', config: notificationsConfig, needs, build: buildNotifications });

/** The notifications contract and the business events it turns into notifications. */
function buildNotifications({ config, db, redis, log, onClose }: ServiceDeps<NotificationsConfig, typeof needs>) {
  const store = createNotificationsStore(db);
  const feed = createLiveFeed(redis, { log: log.child({ component: 'live-feed' }) });
  onClose('live feed', () => feed.close());

  return {
    contract: defineService({
      definition: NotificationsServiceService,
      handlers: {
        listNotifications: listNotificationsHandler(store),
        watchNotifications: watchNotificationsHandler(
          feed,
          createWatchQuota({
            perUser: config.NOTIFICATIONS_MAX_WATCHES_PER_USER,
            total: config.NOTIFICATIONS_MAX_WATCHES,
          }),
        ),
      },
    }),
    subscriptions: businessEventHandlers({ store, feed, log }),
  };
}
