import { join } from 'node:path';
import { loadConfig } from '../../../platform/config';
import { runService } from '../../../platform/run-service';
import { startService } from '../../../platform/service-runtime';
import { ordersConfig } from './config';
import { createOrdersService, SERVICE_NAME } from './service';

export function startOrders(config = loadConfig(ordersConfig)) {
  return startService({
    name: SERVICE_NAME,
    config,
    database: { name: config.ORDERS_DB_NAME, migrationsDir: join(__dirname, '..', 'migrations') },
    outbox: true,
    build: (deps) => {
      const { binding, subscriptions } = createOrdersService(deps);
      return { services: [binding], consumes: { groupId: config.ORDERS_CONSUMER_GROUP, subscriptions } };
    },
  });
}

if (require.main === module) runService(SERVICE_NAME, () => startOrders());
