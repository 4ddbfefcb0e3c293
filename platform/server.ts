import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Tokens } from './auth';
import { DESCRIPTOR_SET_PATH } from './descriptor-set';
import type { Logger } from './logger';
import { initProcessMetrics } from './metrics';
import { addReflection } from './reflection';
import { bindService, serviceName, type ServiceBinding } from './rpc/bind-service';
import type { Interceptor } from './rpc/interceptor';
import { authInterceptor, errorInterceptor, metricsInterceptor, tracingInterceptor } from './rpc/server-interceptors';
import { createStatusServer, type HealthCheck } from './status-server';

export { DESCRIPTOR_SET_PATH };

/** How long one resource (database, Redis, Kafka client...) may take to close at shutdown. */
const CLOSE_TIMEOUT_MS = 5_000;

export interface ServerOptions {
  name: string;
  log: Logger;
  tokens: Tokens;
  host: string;
  grpcPort: number;
  metricsPort: number;
  /** Bound on draining in-flight calls at shutdown. */
  shutdownGraceMs: number;
  /** Extra interceptors, run inside tracing, metrics, errors and auth. */
  interceptors?: Interceptor[];
}

export interface StartedServer {
  grpcPort: number;
  metricsPort: number;
  /** host:port that clients dial. */
  address: string;
}

/**
 * The gRPC server every service runs: its contracts, grpc.health.v1, server
 * reflection from the buf-built descriptor set, the status HTTP port, and an
 * orderly shutdown that closes what the service opened, last opened first.
 */
export function createServer(options: ServerOptions) {
  const { name, log } = options;
  initProcessMetrics(name);
  const grpcServer = new grpc.Server({
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  const drain = new AbortController();
  const served: string[] = [];
  const checks: HealthCheck[] = [];
  const closers: { name: string; close: () => Promise<unknown> }[] = [];
  const interceptors = [tracingInterceptor, metricsInterceptor, errorInterceptor, authInterceptor(options.tokens), ...(options.interceptors ?? [])];
  const status = createStatusServer(() => serving, checks);
  let serving = false;
  let stopping: Promise<void> | undefined;

  // A Watch stream never ends by itself and would hold shutdown for the whole
  // grace period: watchers get NOT_SERVING, then their stream ends with the drain.
  health.addToServer({
    addService: (service, implementation) =>
      grpcServer.addService(
        service as grpc.ServiceDefinition,
        {
          ...implementation,
          watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
            (implementation.watch as grpc.handleServerStreamingCall<unknown, unknown>)(call);
            const end = () => call.end();
            if (drain.signal.aborted) return end();
            drain.signal.addEventListener('abort', end, { once: true });
            call.on('cancelled', () => drain.signal.removeEventListener('abort', end));
          },
        } as grpc.UntypedServiceImplementation,
      ),
  });

  return {
    /** Serves one contract; every method must have a handler and an access rule. */
    add(binding: ServiceBinding<any>) {
      const service = serviceName(binding.definition);
      grpcServer.addService(binding.definition as unknown as grpc.ServiceDefinition, bindService(binding, { interceptors, log, drain: drain.signal }));
      health.setStatus(service, 'NOT_SERVING');
      served.push(service);
    },

    addHealthCheck(check: HealthCheck) {
      checks.push(check);
    },

    /** Registers a resource to close at shutdown (database, cache, Kafka...). */
    onClose(resource: string, close: () => Promise<unknown>) {
      closers.push({ name: resource, close });
    },

    async start(): Promise<StartedServer> {
      addReflection(grpcServer, DESCRIPTOR_SET_PATH, [...served, 'grpc.health.v1.Health']);
      const grpcPort = await new Promise<number>((resolve, reject) =>
        grpcServer.bindAsync(`${options.host}:${options.grpcPort}`, grpc.ServerCredentials.createInsecure(), (error, port) =>
          error ? reject(error) : resolve(port),
        ),
      );
      const metricsPort = await status.listen(options.host, options.metricsPort);
      serving = true;
      for (const service of ['', ...served]) health.setStatus(service, 'SERVING');
      log.info({ grpcPort, metricsPort, services: served }, 'serving');
      return { grpcPort, metricsPort, address: `${options.host}:${grpcPort}` };
    },

    /**
     * NOT_SERVING first (load balancers stop sending), then no new calls, then
     * in-flight calls get `shutdownGraceMs` to finish before they are cancelled,
     * then every registered resource closes.
     */
    shutdown(reason = 'shutdown'): Promise<void> {
      stopping ??= (async () => {
        log.info({ reason }, 'draining');
        serving = false;
        for (const service of ['', ...served]) health.setStatus(service, 'NOT_SERVING');
        drain.abort();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            log.warn({ graceMs: options.shutdownGraceMs }, 'grace period over, cancelling remaining calls');
            grpcServer.forceShutdown();
            resolve();
          }, options.shutdownGraceMs);
          grpcServer.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await status.close();
        for (const { name: resource, close } of closers.reverse()) {
          // Each resource gets a bounded time: a broker that is down must not hold the process.
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS);
          });
          try {
            if ((await Promise.race([close(), timeout])) === 'timeout') log.warn({ resource, timeoutMs: CLOSE_TIMEOUT_MS }, 'close timed out; moving on');
          } catch (error) {
            log.warn({ err: error, resource }, 'close failed');
          } finally {
            clearTimeout(timer);
          }
        }
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

export type PlatformServer = ReturnType<typeof createServer>;
