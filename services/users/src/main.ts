import { join } from 'node:path';
import { loadConfig } from '../../../platform/config';
import { runService } from '../../../platform/run-service';
import { startService } from '../../../platform/service-runtime';
import { usersConfig } from './config';
import { createUsersService, SERVICE_NAME } from './service';

export function startUsers(config = loadConfig(usersConfig)) {
  return startService({
    name: SERVICE_NAME,
    config,
    database: { name: config.USERS_DB_NAME, migrationsDir: join(__dirname, '..', 'migrations') },
    outbox: true,
    build: (deps) => ({ services: [createUsersService(deps)] }),
  });
}

if (require.main === module) runService(SERVICE_NAME, () => startUsers());
