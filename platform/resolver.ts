import { createClient, type CallOptions } from './client';
import type { Logger } from './logger';
import { createStartupGrace, isNotUpYet } from './startup-grace';
import { HealthStatus, RegistryServiceService, type ServiceSummary } from '../gen/ts/shop/registry/v1/registry';

/** Where the instances of a contract are, as the service registry knows them. */
export interface AddressResolver {
  /**
   * Calls `onChange` whenever the addresses of the instances serving
   * `contract` (a full service name, e.g. "shop.users.v1.UsersService")
   * change. `fallback` stands in while the registry is unreachable or knows no
   * serving instance. Returns the function that stops watching.
   */
  watch(contract: string, fallback: string[], onChange: (addresses: string[]) => void): () => void;
  close(): void;
}

export interface RegistryResolverOptions {
  registryAddresses: string[];
  /** How often the registry is asked again while anything is watched. */
  refreshMs?: number;
  /** Deadline of each ListServices call. */
  deadlineMs?: number;
  /** This service's token for the registry (`registryCredentials`): instance addresses are not public. */
  credentials: () => Promise<CallOptions>;
  /** How long the registry may stay unreachable at start before that is logged (at info). */
  startupGraceMs?: number;
  log: Logger;
}

/**
 * The addresses of the serving instances of `contract`, sorted, or undefined
 * when there are none. An instance serves a contract when reflection lists one
 * of its methods; resolving by contract rather than by manifest name lets a
 * client find its callee from the generated definition alone.
 */
export function servingAddresses(services: ServiceSummary[], contract: string): string[] | undefined {
  const prefix = `${contract}/`;
  const addresses = services
    .flatMap((service) => service.instances)
    .filter((instance) => instance.health === HealthStatus.HEALTH_STATUS_SERVING && instance.methods.some((method) => method.startsWith(prefix)))
    .map((instance) => instance.address);
  return addresses.length ? [...new Set(addresses)].sort() : undefined;
}

/**
 * One resolver per process, shared by every client of the service: it asks
 * the registry (one ListServices for all watched contracts) every `refreshMs`
 * while something is watched, and tells each watcher only when its address
 * set changed. The registry failing is not an error for callers: they go back
 * to their static addresses, which is what they would use without a registry.
 */
export function createRegistryResolver(options: RegistryResolverOptions): AddressResolver {
  const refreshMs = options.refreshMs ?? 5_000;
  const registry = createClient(RegistryServiceService, { addresses: options.registryAddresses, deadlineMs: options.deadlineMs ?? 2_000 });
  const watchers = new Set<{ contract: string; fallback: string[]; onChange: (addresses: string[]) => void; current: string }>();
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;
  let registryDown = false;
  let everReached = false;
  // Services start side by side: until the registry first answers, not reaching it is the
  // normal order of a start, said once at info only if it lasts.
  const grace = createStartupGrace(options.startupGraceMs ?? 30_000);

  async function refresh(): Promise<void> {
    let services: ServiceSummary[] | undefined;
    try {
      services = (await registry.listServices({}, await options.credentials())).services;
      if (registryDown && everReached) options.log.info('service registry reachable again; resolving through it');
      registryDown = false;
      everReached = true;
    } catch (error) {
      if (!everReached && isNotUpYet(error)) {
        if (grace.lasted('unreachable')) options.log.info({ err: error }, 'service registry not reachable yet; clients use their static addresses meanwhile');
      } else if (!registryDown) {
        options.log.warn({ err: error }, 'service registry unreachable; clients use their static addresses');
      }
      registryDown = true;
    }
    for (const watcher of watchers) {
      const addresses = (services && servingAddresses(services, watcher.contract)) ?? watcher.fallback;
      const key = addresses.join(',');
      if (key === watcher.current) continue;
      watcher.current = key;
      watcher.onChange(addresses);
    }
  }

  const refreshNow = () => {
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  function loop(): void {
    timer = setTimeout(() => {
      void refreshNow().then(() => {
        if (watchers.size > 0) loop();
        else timer = undefined;
      });
    }, refreshMs);
    timer.unref();
  }

  return {
    watch(contract, fallback, onChange) {
      const watcher = { contract, fallback, onChange, current: fallback.join(',') };
      watchers.add(watcher);
      void refreshNow();
      if (!timer) loop();
      return () => {
        watchers.delete(watcher);
      };
    },
    close() {
      watchers.clear();
      clearTimeout(timer);
      timer = undefined;
      registry.close();
    },
  };
}
