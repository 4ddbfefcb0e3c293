import { defineService } from '../../../platform/rpc/bind-service';
import type { ServiceDeps } from '../../../platform/service-runtime';
import { NotificationsServiceService } from '../../../gen/ts/shop/notifications/v1/notifications';
import type { NotificationsConfig } from './config';
import { createWatchQuota } from './domain/watch-quota';
import { businessEventHandlers } from './handlers/business-events';
import { listNotificationsHandler } from './handlers/list-notifications';
import { watchNotificationsHandler } from './handlers/watch-notifications';
import { createLiveFeed } from './store/live-feed';
import { createNotificationsStore } from './store/notifications-store';

export const SERVICE_NAME = 'notifications';

/** The notifications contract and the business events it turns into notifications; used by main.ts and tests alike. */
export function createNotificationsService({ config, db, redis, log, onClose }: ServiceDeps<NotificationsConfig>) {
  const store = createNotificationsStore(db);
  const feed = createLiveFeed(redis, { log: log.child({ component: 'live-feed' }) });
  onClose('live feed', () => feed.close());

  return {
    binding: defineService({
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
