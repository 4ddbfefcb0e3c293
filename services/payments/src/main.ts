import { join } from 'node:path';
import { loadConfig } from '../../../platform/config';
import { runService } from '../../../platform/run-service';
import { startService } from '../../../platform/service-runtime';
import { paymentsConfig } from './config';
import { createPaymentsService, SERVICE_NAME } from './service';

export function startPayments(config = loadConfig(paymentsConfig)) {
  return startService({
    name: SERVICE_NAME,
    config,
    database: { name: config.PAYMENTS_DB_NAME, migrationsDir: join(__dirname, '..', 'migrations') },
    outbox: true,
    build: (deps) => {
      const { binding, subscriptions } = createPaymentsService(deps);
      return { services: [binding], consumes: { groupId: config.PAYMENTS_CONSUMER_GROUP, subscriptions } };
    },
  });
}

if (require.main === module) runService(SERVICE_NAME, () => startPayments());
