import { loadConfig } from '../../../platform/config';
import { runService } from '../../../platform/run-service';
import { startService } from '../../../platform/service-runtime';
import { registryConfig } from './config';
import { createRegistryService, SERVICE_NAME } from './service';

export function startRegistry(config = loadConfig(registryConfig)) {
  return startService({
    name: SERVICE_NAME,
    config,
    // Redis holds the registry's state, shared by every registry instance.
    redis: true,
    build: async (deps) => ({ services: [await createRegistryService(deps)] }),
  });
}

if (require.main === module) runService(SERVICE_NAME, () => startRegistry());
