import { once } from 'node:events';
import { defineService } from '../../../platform/rpc/bind-service';
import type { ServiceDeps } from '../../../platform/service-runtime';
import { RegistryServiceService } from '../../../gen/ts/shop/registry/v1/registry';
import type { RegistryConfig } from './config';
import { queryHandlers } from './handlers/queries';
import { registrationHandlers } from './handlers/registrations';
import { createInstanceProbes } from './probes/instance-probes';
import { createInstancesStore } from './store/instances-store';

export const SERVICE_NAME = 'registry';

/** The registry contract over Redis; used by main.ts and by tests alike. */
export async function createRegistryService({ config, redis, log, onClose }: ServiceDeps<RegistryConfig>) {
  // Redis is the registry's state, not a cache: wait (bounded) for it before serving.
  if (redis.status !== 'ready') {
    await Promise.race([once(redis, 'ready'), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  }
  const store = createInstancesStore(redis, config.REGISTRY_KEY_PREFIX);
  const probes = createInstanceProbes({ timeoutMs: config.REGISTRY_PROBE_TIMEOUT_MS, log: log.child({ component: 'probes' }) });
  onClose('instance probes', async () => probes.close());
  const heartbeatIntervalMs = config.REGISTRY_HEARTBEAT_INTERVAL_SECONDS * 1000;

  return defineService({
    definition: RegistryServiceService,
    handlers: {
      ...registrationHandlers({ store, heartbeatIntervalMs }),
      ...queryHandlers({ store, probes, heartbeatIntervalMs, probeConcurrency: config.REGISTRY_PROBE_CONCURRENCY }),
    },
    access: {
      // Checked in the handlers: a service token (see handlers/registrations.ts).
      register: 'authenticated',
      heartbeat: 'authenticated',
      deregister: 'authenticated',
      // Read-only views of the fleet, served at the edge (GET /v1/services...).
      listServices: 'public',
      getService: 'public',
      checkAll: 'public',
      getStats: 'public',
    },
  });
}
