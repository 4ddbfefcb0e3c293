import { mkdirSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { addressesVariable, consumerGroupVariable, databaseVariable } from '../../platform/service-spec';
import { defaultPorts, isGrpcService, SERVICES } from '../../services/manifest';
import { dropDatabases } from '../../test/support/databases';
import { httpOk, spawnService, type ServiceProcess } from './service-process';

export interface BenchService {
  process: ServiceProcess;
  /** host:port of its gRPC server (gRPC services). */
  grpc?: string;
  /** Base URL of its HTTP port (the gateway). */
  http?: string;
  metrics: string;
  /** The environment it was started with, to start a variant of it. */
  env: Record<string, string>;
}

export interface BenchPlatformOptions {
  /** Added to every default port, like `PORT_OFFSET` of `npm start`. */
  portOffset: number;
  /** Names this run's Kafka topics (`bench-<runId>.`) and consumer groups (`bench-<runId>-`). */
  runId: string;
  logDir: string;
  otlpEndpoint: string;
  mysqlUrl: string;
  kafkaBrokers: string;
  /** Set on every service (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  /** Extra node options of every service, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Node/V8 flags of every service instead of the image's (Dockerfile CMD). */
  nodeFlags?: string[];
  /** Called when a service that is not essential fails to start. */
  onSkipped?(name: string, error: Error): void;
}

/** Without these the order pipeline cannot run: a failure to start them fails the run. */
const ESSENTIAL = new Set(['users', 'catalog', 'orders', 'payments']);

/**
 * Every service of the manifest as a process of its own, like `npm start`,
 * on shifted ports, `bench_<service>` databases, and topics and consumer
 * groups of this run only, so it can run beside a developer's platform and
 * the test suites on one broker.
 */
export async function startBenchPlatform(options: BenchPlatformOptions) {
  const { portOffset, runId, logDir, otlpEndpoint, mysqlUrl, kafkaBrokers } = options;
  mkdirSync(logDir, { recursive: true });
  const topicPrefix = `bench-${runId}.`;
  const databases = SERVICES.filter(isGrpcService)
    .filter((s) => s.spec.needs.database)
    .map((s) => `bench_${s.name}`);
  /** Every consumer group of the run starts with this: the services' and the scenarios' own. */
  const groupPrefix = `bench-${runId}-`;
  await dropDatabases(mysqlUrl, databases);

  const ports = new Map(
    SERVICES.map((s) => {
      const defaults = defaultPorts(s);
      const shift = (port: number | undefined) => (port === undefined ? undefined : port + portOffset);
      return [s.name, { grpc: shift(defaults.grpc), http: shift(defaults.http), metrics: defaults.metrics + portOffset }];
    }),
  );

  const services = new Map<string, BenchService>();
  const starting = SERVICES.map(async (entry) => {
    const own = ports.get(entry.name)!;
    const env: Record<string, string> = {
      ...options.env,
      METRICS_PORT: String(own.metrics),
      MYSQL_URL: mysqlUrl,
      KAFKA_BROKERS: kafkaBrokers,
      KAFKA_TOPIC_PREFIX: topicPrefix,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
      OTEL_SERVICE_NAME: entry.name,
      // Load comes from one address: the edge's per-client rate limit would measure itself.
      GATEWAY_RATE_LIMIT_RPS: '0',
    };
    if (isGrpcService(entry) && entry.spec.needs.database) env[databaseVariable(entry.name)] = `bench_${entry.name}`;
    if (isGrpcService(entry) && entry.spec.needs.consumer) env[consumerGroupVariable(entry.name)] = `${groupPrefix}${entry.name}`;
    if (own.grpc !== undefined) env.GRPC_PORT = String(own.grpc);
    if (own.http !== undefined) env.HTTP_PORT = String(own.http);
    for (const callee of entry.calls) env[addressesVariable(callee)] = `127.0.0.1:${ports.get(callee)!.grpc}`;
    const child = spawnService({ name: entry.name, main: entry.main, env, logDir, telemetry: true, nodeArgs: options.nodeArgs, nodeFlags: options.nodeFlags });
    const metrics = `http://127.0.0.1:${own.metrics}`;
    try {
      await child.ready(httpOk(`${metrics}/healthz`));
    } catch (error) {
      await child.stop(1_000);
      if (ESSENTIAL.has(entry.name)) throw error;
      options.onSkipped?.(entry.name, error as Error);
      return;
    }
    services.set(entry.name, {
      process: child,
      grpc: own.grpc !== undefined ? `127.0.0.1:${own.grpc}` : undefined,
      http: own.http !== undefined ? `http://127.0.0.1:${own.http}` : undefined,
      metrics,
      env,
    });
  });

  const stopAll = async () => {
    // Callers first, so nothing calls a service that is already gone.
    for (const entry of [...SERVICES].reverse()) await services.get(entry.name)?.process.stop();
  };
  const results = await Promise.allSettled(starting);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }

  return {
    services,
    /** The node flags its services run with (undefined: the image's); siblings take the same. */
    nodeFlags: options.nodeFlags,
    topicPrefix,
    databases,
    groupPrefix,
    service(name: string): BenchService | undefined {
      return services.get(name);
    },
    /** Stops every service; unless `keep`, drops the databases and deletes the run's topics and groups. */
    async stop({ keep = false } = {}): Promise<void> {
      await stopAll();
      if (keep) return;
      await dropDatabases(mysqlUrl, databases);
      await deleteRunTopics(kafkaBrokers, topicPrefix, groupPrefix);
    },
  };
}

export type BenchPlatform = Awaited<ReturnType<typeof startBenchPlatform>>;

/** The broker is shared with everyone else: only this run's topics and groups go. */
export async function deleteRunTopics(brokers: string, topicPrefix: string, groupPrefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-cleanup', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    // Services prefix their group ids with KAFKA_TOPIC_PREFIX too.
    const ours = (await admin.listGroups()).groups.map((g) => g.groupId).filter((group) => group.startsWith(groupPrefix) || group.startsWith(topicPrefix));
    if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
  } catch {
    // Cleanup is best effort: leftovers only cost broker disk, and their names say whose they are.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
