import { join } from 'node:path';
import { loadConfig } from '../../../platform/config';
import { runService } from '../../../platform/run-service';
import { startService } from '../../../platform/service-runtime';
import { notificationsConfig } from './config';
import { createNotificationsService, SERVICE_NAME } from './service';

export function startNotifications(config = loadConfig(notificationsConfig)) {
  return startService({
    name: SERVICE_NAME,
    config,
    database: { name: config.NOTIFICATIONS_DB_NAME, migrationsDir: join(__dirname, '..', 'migrations') },
    redis: true,
    build: (deps) => {
      const { binding, subscriptions } = createNotificationsService(deps);
      return { services: [binding], consumes: { groupId: config.NOTIFICATIONS_CONSUMER_GROUP, subscriptions } };
    },
  });
}

if (require.main === module) runService(SERVICE_NAME, () => startNotifications());
