import { join } from 'node:path';
import { loadConfig } from '../../../platform/config';
import { runService } from '../../../platform/run-service';
import { startService } from '../../../platform/service-runtime';
import { recommendationsConfig } from './config';
import { createRecommendationsService, SERVICE_NAME } from './service';

export function startRecommendations(config = loadConfig(recommendationsConfig)) {
  return startService({
    name: SERVICE_NAME,
    config,
    database: { name: config.RECOMMENDATIONS_DB_NAME, migrationsDir: join(__dirname, '..', 'migrations') },
    redis: true,
    build: (deps) => {
      const { binding, subscriptions } = createRecommendationsService(deps);
      return { services: [binding], consumes: { groupId: config.RECOMMENDATIONS_CONSUMER_GROUP, subscriptions } };
    },
  });
}

if (require.main === module) runService(SERVICE_NAME, () => startRecommendations());
