import { loadConfig } from '../../../platform/config';
import { REGISTRY_AUDIENCE } from '../../../platform/registration';
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
    // Services call it with tokens for the registry alone (platform/registration.ts).
    alsoAcceptedAudiences: [REGISTRY_AUDIENCE],
    build: async (deps) => ({ services: [await createRegistryService(deps)] }),
  });
}

if (require.main === module) runService(SERVICE_NAME, () => startRegistry());
