import {
  DiscoveryOutcome,
  type DiscoverServicesRequest,
  type DiscoverServicesResponse,
  type DiscoveryResult,
  type DiscoveryTarget,
} from '../../../../gen/ts/shop/registry/v1/registry';
import type { Logger } from '../../../../platform/logger';
import { discoveredInstanceId, serviceNameFor, validateTargets } from '../domain/discovery-rules';
import { expiresAfterMs, splitAddress, type InstanceRecord } from '../domain/instance-rules';
import { mapBounded } from '../probes/bounded-parallel';
import type { InstanceProbes } from '../probes/instance-probes';
import type { InstancesStore } from '../store/instances-store';
import type { FleetView } from './fleet-view';

export interface DiscoveryDeps {
  store: InstancesStore;
  fleet: FleetView;
  probes: InstanceProbes;
  heartbeatIntervalMs: number;
  probeConcurrency: number;
  /** REGISTRY_DISCOVERY_ADDRESSES: probed when a request names none, and kept in the catalog. */
  staticTargets: DiscoveryTarget[];
  log: Logger;
  now?: () => Date;
}

/**
 * DiscoverServices (admin) and the loop that keeps discovered servers in the
 * catalog. A discovered server never heart-beats, so the registry does it for
 * it while it answers its health check, and an unreachable one expires like
 * any silent instance. Static addresses not yet in the catalog are tried
 * again at every round, so a server that starts after the registry joins.
 */
export function discoveryHandlers({ store, fleet, probes, heartbeatIntervalMs, probeConcurrency, staticTargets, log, now = () => new Date() }: DiscoveryDeps) {
  const ttlMs = expiresAfterMs(heartbeatIntervalMs);
  const result = (target: DiscoveryTarget, outcome: DiscoveryOutcome, record?: InstanceRecord, methods: string[] = []): DiscoveryResult => ({
    address: target.address,
    outcome,
    serviceName: record?.serviceName ?? '',
    instanceId: record?.id ?? '',
    methods,
  });

  async function discoverOne(target: DiscoveryTarget): Promise<DiscoveryResult> {
    const at = now();
    const atAddress = (await fleet.live(at)).filter((r) => r.address === target.address);
    const registered = atAddress.find((r) => r.origin === 'self');
    if (registered) return result(target, DiscoveryOutcome.DISCOVERY_OUTCOME_ALREADY_REGISTERED, registered, await probes.methods(registered));
    const previous = atAddress.find((r) => r.origin === 'discovered');
    const candidate: InstanceRecord = {
      id: discoveredInstanceId(target.address),
      serviceName: target.name || previous?.serviceName || '',
      version: 'discovered',
      address: target.address,
      grpcPort: splitAddress(target.address)!.port,
      metricsPort: target.metricsPort || previous?.metricsPort || 0,
      startedAt: previous?.startedAt ?? at,
      lastHeartbeatAt: at,
      origin: 'discovered',
    };
    return probes.whilePinned(candidate.id, async () => {
      if ((await probes.health(candidate)) === undefined) return result(target, DiscoveryOutcome.DISCOVERY_OUTCOME_UNREACHABLE);
      const contracts = await probes.contracts(candidate).catch(() => undefined);
      if (!contracts?.services.length) return result(target, DiscoveryOutcome.DISCOVERY_OUTCOME_NO_REFLECTION);
      candidate.serviceName ||= serviceNameFor(contracts.services[0]);
      await store.register(candidate, ttlMs);
      log.info({ instance: candidate.id, service: candidate.serviceName, contracts: contracts.services }, 'discovered a gRPC server');
      return result(target, DiscoveryOutcome.DISCOVERY_OUTCOME_REGISTERED, candidate, contracts.methods);
    });
  }

  /** One round: heart-beat the discovered instances that answer, try the static addresses not yet known. */
  async function refresh(): Promise<void> {
    const at = now();
    const live = await fleet.live(at);
    await mapBounded(
      live.filter((r) => r.origin === 'discovered'),
      probeConcurrency,
      async (record) => {
        if ((await probes.health(record)) !== undefined) await store.heartbeat(record.id, record.serviceName, at, ttlMs);
      },
    );
    const known = new Set(live.map((r) => r.address));
    await mapBounded(
      staticTargets.filter((t) => !known.has(t.address)),
      probeConcurrency,
      discoverOne,
    );
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  return {
    handlers: {
      async discoverServices(req: DiscoverServicesRequest): Promise<DiscoverServicesResponse> {
        const targets = req.targets.length ? req.targets : staticTargets;
        validateTargets(targets);
        return { results: await mapBounded(targets, probeConcurrency, discoverOne) };
      },
    },

    start(): void {
      const loop = (delayMs: number) => {
        timer = setTimeout(() => {
          running = refresh()
            .catch((error) => log.warn({ err: error }, 'discovery round failed'))
            .finally(() => {
              if (!stopped) loop(heartbeatIntervalMs);
            });
        }, delayMs);
        timer.unref();
      };
      // The static addresses join at once, not one interval after the start.
      loop(0);
    },

    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
