import { join } from 'node:path';
import { loadConfig } from '../../../platform/config';
import { runService } from '../../../platform/run-service';
import { startService } from '../../../platform/service-runtime';
import { catalogConfig } from './config';
import { createCatalogService, SERVICE_NAME } from './service';

export function startCatalog(config = loadConfig(catalogConfig)) {
  return startService({
    name: SERVICE_NAME,
    config,
    database: { name: config.CATALOG_DB_NAME, migrationsDir: join(__dirname, '..', 'migrations') },
    redis: true,
    outbox: true,
    build: (deps) => {
      const { binding, subscriptions } = createCatalogService(deps);
      return { services: [binding], consumes: { groupId: config.CATALOG_CONSUMER_GROUP, subscriptions } };
    },
  });
}

if (require.main === module) runService(SERVICE_NAME, () => startCatalog());
