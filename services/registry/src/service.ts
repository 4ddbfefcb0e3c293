import { once } from 'node:events';
import { defineService } from '../../../platform/rpc/bind-service';
import { REGISTRY_AUDIENCE } from '../../../platform/registration';
import { defineServiceSpec, type ServiceDeps } from '../../../platform/service-spec';
import { RegistryServiceService } from '../../../gen/ts/shop/registry/v1/registry';
import { catalogMetrics } from './catalog-metrics';
import { registryConfig, type RegistryConfig } from './config';
import { parseStaticTargets } from './domain/discovery-rules';
import { healthOf } from './domain/service-health';
import { callLogHandlers } from './handlers/call-log';
import { callMethodHandler } from './handlers/call-method';
import { discoveryHandlers } from './handlers/discovery';
import { createFleetView } from './handlers/fleet-view';
import { HealthStatus } from './handlers/mapping';
import { queryHandlers } from './handlers/queries';
import { registrationHandlers } from './handlers/registrations';
import { createInstanceProbes } from './probes/instance-probes';
import { createCallLogStore } from './store/call-log-store';
import { createInstancesStore } from './store/instances-store';

// Redis holds the registry's state, shared by every registry instance.
const needs = { redis: true } as const;

/** The service registry: live instances, their health and RPCs, call stats; every service registers with it. */
export const registryService = defineServiceSpec({
  name: 'registry',
  config: registryConfig,
  needs,
  // Services call it with tokens for the registry alone (platform/registration.ts).
  alsoAcceptedAudiences: [REGISTRY_AUDIENCE],
  build: buildRegistry,
});

/** The registry contract over Redis. */
async function buildRegistry({ config, redis, log, onClose }: ServiceDeps<RegistryConfig, typeof needs>) {
  // Redis is the registry's state, not a cache: wait (bounded) for it before serving.
  if (redis.status !== 'ready') {
    await Promise.race([once(redis, 'ready'), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  }
  const store = createInstancesStore(redis, config.REGISTRY_KEY_PREFIX);
  const callLog = createCallLogStore(redis, config.REGISTRY_KEY_PREFIX, {
    maxEntries: config.REGISTRY_CALL_LOG_MAX_ENTRIES,
    maxAgeMs: config.REGISTRY_CALL_LOG_MAX_AGE_SECONDS * 1000,
  });
  const probes = createInstanceProbes({
    timeoutMs: config.REGISTRY_PROBE_TIMEOUT_MS,
    cacheMs: config.REGISTRY_PROBE_CACHE_MS,
    metricsMaxBytes: config.REGISTRY_METRICS_MAX_BYTES,
    log: log.child({ component: 'probes' }),
  });
  onClose('instance probes', async () => probes.close());
  const heartbeatIntervalMs = config.REGISTRY_HEARTBEAT_INTERVAL_SECONDS * 1000;
  const fleet = createFleetView(store, probes, heartbeatIntervalMs);
  const discovery = discoveryHandlers({
    store,
    fleet,
    probes,
    heartbeatIntervalMs,
    probeConcurrency: config.REGISTRY_PROBE_CONCURRENCY,
    staticTargets: parseStaticTargets(config.REGISTRY_DISCOVERY_ADDRESSES),
    log: log.child({ component: 'discovery' }),
  });
  discovery.start();
  onClose('discovery', () => discovery.stop());
  const { proxyCalls } = catalogMetrics({
    // The health last probed, not a new probe: a scrape never fans out over the fleet.
    async instances() {
      const counts = new Map<string, { service: string; health: string; count: number }>();
      for (const record of await fleet.live(new Date())) {
        const health = HealthStatus[healthOf(probes.lastHealth(record.id))];
        const key = `${record.serviceName}/${health}`;
        const row = counts.get(key) ?? { service: record.serviceName, health, count: 0 };
        row.count += 1;
        counts.set(key, row);
      }
      return [...counts.values()];
    },
    redisUp: async () => (await Promise.race([redis.ping(), new Promise((resolve) => setTimeout(resolve, 500).unref())])) === 'PONG',
  });

  const contract = defineService({
    definition: RegistryServiceService,
    handlers: {
      ...registrationHandlers({ store, heartbeatIntervalMs }),
      ...queryHandlers({ fleet, probes, heartbeatIntervalMs, probeConcurrency: config.REGISTRY_PROBE_CONCURRENCY }),
      callMethod: callMethodHandler({
        fleet,
        probes,
        callLog,
        limits: {
          defaultTimeoutMs: config.REGISTRY_CALL_TIMEOUT_MS,
          maxTimeoutMs: config.REGISTRY_CALL_MAX_TIMEOUT_MS,
          maxMessages: config.REGISTRY_CALL_MAX_MESSAGES,
        },
        countCall: (service, result) => proxyCalls.inc({ registry_service: service, result }),
      }),
      ...callLogHandlers({ callLog, fleet }),
      ...discovery.handlers,
    },
  });
  return { contract };
}
