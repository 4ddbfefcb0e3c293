import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { createTokens } from '../../platform/auth';
import { notFound, Violations } from '../../platform/errors';
import { createLogger, type Logger } from '../../platform/logger';
import { registry } from '../../platform/metrics';
import { defineService, type Handlers, type ServiceBinding } from '../../platform/rpc/bind-service';
import type { Access } from '../../platform/rpc/context';
import type { Interceptor } from '../../platform/rpc/interceptor';
import { createServer, type PlatformServer } from '../../platform/server';
import { RegistryServiceService, type Instance } from '../../gen/ts/shop/registry/v1/registry';

export const TEST_JWT_SECRET = 'integration-test-secret-0123456789abcdef';
export const testTokens = createTokens({ secret: TEST_JWT_SECRET, issuer: 'shopmesh' });

/** `authorization` metadata of a freshly issued token. */
export async function bearer(userId: string, roles: string[]): Promise<Record<string, string>> {
  const { token } = await testTokens.issue({ userId, roles });
  return { authorization: `Bearer ${token}` };
}

export type RegistryHandlers = Handlers<typeof RegistryServiceService>;

/**
 * The registry contract over a map, as a small real contract to serve in
 * platform tests. Reads and `listServices` are public, writes need a token,
 * `deregister` and `getStats` need the admin role.
 */
export function registryBinding(overrides: Partial<RegistryHandlers> = {}, access: Partial<Record<keyof RegistryHandlers, Access>> = {}) {
  const instances = new Map<string, Instance>();
  const summary = (name: string) => ({ name, instances: [...instances.values()].filter((i) => i.serviceName === name) });
  const handlers: RegistryHandlers = {
    async register({ instance }) {
      new Violations()
        .check(Boolean(instance?.id), 'instance.id', 'required')
        .check(Boolean(instance?.serviceName), 'instance.service_name', 'required')
        .throwIfAny();
      instances.set(instance!.id, instance!);
      return { instanceId: instance!.id, heartbeatIntervalSeconds: 5 };
    },
    async heartbeat({ instanceId }) {
      if (!instances.has(instanceId)) throw notFound('instance', instanceId);
      return {};
    },
    async deregister({ instanceId }) {
      instances.delete(instanceId);
      return {};
    },
    async listServices() {
      return { services: [...new Set([...instances.values()].map((i) => i.serviceName))].map(summary) };
    },
    async getService({ name }) {
      const found = summary(name);
      if (found.instances.length === 0) throw notFound('service', name);
      return { service: found };
    },
    async checkAll() {
      return { services: [] };
    },
    async getStats() {
      return { methods: [] };
    },
    async callMethod() {
      return { instanceId: '', response: {}, messages: [], truncated: false, latencyMs: 0 };
    },
    async listCalls() {
      return { calls: [], nextPageToken: '' };
    },
    async reportCalls({ calls }) {
      return { accepted: calls.length };
    },
    async discoverServices() {
      return { results: [] };
    },
    ...overrides,
  };
  return defineService({
    definition: RegistryServiceService,
    handlers,
    // A test double: the auth layer is exercised under these rules, not the contract's.
    accessOverride: {
      register: 'authenticated',
      heartbeat: 'authenticated',
      deregister: 'admin',
      listServices: 'public',
      getService: 'public',
      checkAll: 'public',
      getStats: 'admin',
      callMethod: 'admin',
      listCalls: 'admin',
      reportCalls: 'authenticated',
      discoverServices: 'admin',
      ...access,
    },
  });
}

export const anInstance = (id: string, serviceName = 'catalog'): Instance => ({
  id,
  serviceName,
  version: '1.0.0',
  address: '127.0.0.1:50052',
  grpcPort: 50052,
  metricsPort: 9452,
  startedAt: new Date('2026-11-25T10:00:00.000Z'),
  lastHeartbeatAt: undefined,
  health: 1,
  methods: ['shop.catalog.v1.CatalogService/GetProduct'],
  uptimeSeconds: '12',
  discovered: false,
});

export interface TestServer {
  server: PlatformServer;
  address: string;
  metricsPort: number;
  /** Shuts down unless the test already did. */
  stop(): Promise<void>;
}

/** A platform server on free ports serving `bindings`, with the test token secret. */
export async function startTestServer(
  bindings: ServiceBinding<any>[],
  options: { name?: string; shutdownGraceMs?: number; log?: Logger; interceptors?: Interceptor[] } = {},
): Promise<TestServer> {
  const server = createServer({
    name: options.name ?? 'platform-test',
    log: options.log ?? createLogger('platform-test', 'silent'),
    tokens: testTokens,
    host: '127.0.0.1',
    grpcPort: 0,
    metricsPort: 0,
    shutdownGraceMs: options.shutdownGraceMs ?? 1_000,
    interceptors: options.interceptors,
  });
  for (const binding of bindings) server.add(binding);
  const started = await server.start();
  return { server, address: started.address, metricsPort: started.metricsPort, stop: () => server.shutdown('test over') };
}

type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
const HEALTH_STATUS: HealthStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const HealthClient = grpc.makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');

/** A grpc.health.v1 client, as Envoy and Kubernetes probe a service. */
export function healthClient(address: string) {
  const client = new HealthClient(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
  const statusOf = (value: unknown): HealthStatus => (typeof value === 'number' ? HEALTH_STATUS[value] : (value as HealthStatus));
  return {
    check: (service: string, deadlineMs = 2_000) =>
      new Promise<HealthStatus>((resolve, reject) =>
        client.check({ service }, { deadline: Date.now() + deadlineMs }, (error: grpc.ServiceError | null, response: { status: unknown }) =>
          error ? reject(error) : resolve(statusOf(response.status)),
        ),
      ),
    /** Server-streamed status changes of one service, as they arrive. */
    watch(service: string) {
      const seen: HealthStatus[] = [];
      const call: grpc.ClientReadableStream<{ status: unknown }> = client.watch({ service });
      call.on('data', (response) => seen.push(statusOf(response.status)));
      call.on('error', () => undefined);
      return { seen, cancel: () => call.cancel() };
    },
    close: () => client.close(),
  };
}

/** Current value of a counter or gauge for exactly these labels (0 when never touched). */
export async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value));
  return match?.value ?? 0;
}

/** The sum of a metric's samples whose labels include `labels` (e.g. one group's dead letters over every event type). */
export async function metricSum(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([key, value]) => (v.labels as Record<string, unknown>)[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
}
