import { randomUUID } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { SERVICE_ROLE, type IssuedToken, type Tokens } from './auth';
import { backoffDelay } from './backoff';
import { createClient } from './client';
import { Code, RpcError } from './errors';
import type { Logger } from './logger';
import { createStartupGrace, isNotUpYet } from './startup-grace';
import { RegistryServiceService } from '../gen/ts/shop/registry/v1/registry';

export { SERVICE_ROLE };

/**
 * The audience of those tokens: they are good for the registry only, so one
 * leaked from a registry call is no service credential anywhere else.
 */
export const REGISTRY_AUDIENCE = 'registry';

/**
 * Call options with this service's token for the registry (subject
 * `service:<name>`, role "service", audience "registry"). The registry lets a
 * service write only instances of the name in its subject. Minted again once
 * less than a minute of its lifetime is left.
 */
export function registryCredentials(tokens: Tokens, serviceName: string): () => Promise<{ metadata: Record<string, string> }> {
  let issued: IssuedToken | undefined;
  return async () => {
    if (!issued || issued.expiresAt.getTime() - Date.now() < 60_000) {
      issued = await tokens.issue({ userId: `service:${serviceName}`, roles: [SERVICE_ROLE] }, { audience: REGISTRY_AUDIENCE });
    }
    return { metadata: { authorization: `Bearer ${issued.token}` } };
  };
}

export interface RegistrationOptions {
  /** host:port of the registry instances. */
  registryAddresses: string[];
  serviceName: string;
  version: string;
  /** Host name or IP other services dial (see `advertisedHost`). */
  host: string;
  grpcPort: number;
  metricsPort: number;
  startedAt: Date;
  /** Mints the service token that Register / Heartbeat / Deregister require. */
  tokens: Tokens;
  log: Logger;
  /** Deadline of each call to the registry. */
  deadlineMs: number;
}

export interface Registration {
  /** Chosen by the instance, so registering again (after the registry forgot it) keeps its identity. */
  readonly instanceId: string;
  /** Resolves once the registry has accepted this instance (tests; nothing waits for it in production). */
  registered(): Promise<void>;
  /** Stops heart-beating and deregisters, best effort and bounded by the deadline. */
  stop(): Promise<void>;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/**
 * The host this instance is reached at. GRPC_HOST is where the server listens;
 * in a container that is 0.0.0.0, which nobody can dial, so then the first
 * non-internal IPv4 address (the pod's or container's own) stands in, unless
 * ADVERTISED_HOSTNAME names one (a compose service name, a pod IP from the
 * downward API).
 */
export function advertisedHost(
  config: { ADVERTISED_HOSTNAME: string; GRPC_HOST: string },
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
  machineName: string = hostname(),
): string {
  if (config.ADVERTISED_HOSTNAME) return config.ADVERTISED_HOSTNAME;
  if (!WILDCARDS.has(config.GRPC_HOST)) return config.GRPC_HOST;
  const external = Object.values(interfaces)
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal);
  return external?.address ?? machineName;
}

/** `host:port`, bracketing an IPv6 literal. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Registers this instance with the registry, then heart-beats at the interval
 * the registry asks for. All of it runs in the background: a registry that is
 * down or late never keeps a service from starting or serving; registration
 * is retried with backoff, and an instance the registry has forgotten (it
 * expired during a pause, or the registry's store was flushed) registers again
 * under the same id.
 */
export function startRegistration(options: RegistrationOptions): Registration {
  const { log } = options;
  const instanceId = randomUUID();
  // Register, Heartbeat and Deregister are IDEMPOTENT (by the instance id) in the contract: retried.
  const client = createClient(RegistryServiceService, { addresses: options.registryAddresses, deadlineMs: options.deadlineMs });
  const instance = {
    id: instanceId,
    serviceName: options.serviceName,
    version: options.version,
    address: joinHostPort(options.host, options.grpcPort),
    grpcPort: options.grpcPort,
    metricsPort: options.metricsPort,
    startedAt: options.startedAt,
    lastHeartbeatAt: undefined,
    health: 0,
    methods: [],
    uptimeSeconds: '0',
    discovered: false,
  };
  const auth = registryCredentials(options.tokens, options.serviceName);

  let registered = false;
  let everRegistered = false;
  const grace = createStartupGrace(30_000);
  let stopped = false;
  let failures = 0;
  let intervalMs = 5_000;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let markRegistered!: () => void;
  const firstRegistration = new Promise<void>((resolve) => {
    markRegistered = resolve;
  });

  async function beat(): Promise<void> {
    try {
      if (!registered) {
        const response = await client.register({ instance }, await auth());
        intervalMs = Math.max(1, response.heartbeatIntervalSeconds) * 1000;
        registered = true;
        everRegistered = true;
        markRegistered();
        log.info({ instanceId, address: instance.address, heartbeatSeconds: intervalMs / 1000 }, 'registered with the service registry');
      } else {
        await client.heartbeat({ instanceId }, await auth());
      }
      if (failures > 0) log.info('service registry reachable again');
      failures = 0;
    } catch (error) {
      if (error instanceof RpcError && error.code === Code.NOT_FOUND && registered) {
        log.warn({ instanceId }, 'the service registry forgot this instance; registering again');
        registered = false;
        return;
      }
      // Logged once per outage, not at every beat. Before the first registration the registry
      // not answering yet is the normal order of a start: said at info, once, if it lasts.
      if (!everRegistered && isNotUpYet(error)) {
        failures++;
        if (grace.lasted('unregistered')) log.info({ err: error, registry: options.registryAddresses }, 'service registry not reachable yet; retrying');
      } else if (failures++ === 0) log.warn({ err: error, registry: options.registryAddresses }, 'service registry unreachable; retrying');
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = beat().then(() => {
        // Not yet registered: back off from 250 ms up to one heartbeat interval.
        schedule(registered ? intervalMs : backoffDelay(failures, { initialMs: 250, maxMs: intervalMs, jitter: 'equal' }));
      });
    }, delayMs);
    // The service's own server keeps the process alive; this timer must not.
    timer.unref();
  }
  schedule(0);

  return {
    instanceId,
    registered: () => firstRegistration,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      // A Register still in flight would otherwise land after the Deregister.
      await inFlight;
      if (registered) {
        try {
          await client.deregister({ instanceId }, { ...(await auth()), deadlineMs: Math.min(options.deadlineMs, 2_000) });
          log.info({ instanceId }, 'deregistered from the service registry');
        } catch (error) {
          log.warn({ err: error, instanceId }, 'deregistration failed; the registry expires this instance on its own');
        }
      }
      client.close();
    },
  };
}
