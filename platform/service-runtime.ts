import type Redis from 'ioredis';
import { createTokens } from './auth';
import { openRedis } from './cache';
import { createClient } from './client';
import { type BaseConfig, ConfigError, loadConfig } from './config';
import { openDatabase, type Db } from './db';
import { createEventConsumer } from './events/consumer';
import { createKafka } from './events/kafka';
import { createOutbox, type Outbox } from './events/outbox';
import { createOutboxRelay } from './events/outbox-relay';
import { startRetentionPurge } from './events/retention';
import { createLogger, type Logger } from './logger';
import { advertisedHost, registryCredentials, startRegistration, type Registration } from './registration';
import { createRegistryResolver } from './resolver';
import { startCallReporting } from './call-reporting';
import type { ServiceDefinition } from './rpc/bind-service';
import { createServer, type PlatformServer, type StartedServer } from './server';
import {
  type AnyServiceSpec,
  type BaseDeps,
  type BuiltService,
  calleeAddresses,
  consumerGroupVariable,
  databaseVariable,
  definitionOf,
  isCallee,
} from './service-spec';

export interface RunningService extends StartedServer {
  server: PlatformServer;
  /** The contract it serves (its spec's build), for clients of it. */
  definition: ServiceDefinition;
  /** This instance's registration with the service registry, when REGISTRY_ADDRESSES is set. */
  registration?: Registration;
  shutdown(reason?: string): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
}

/**
 * The one bootstrap of every service, used by main.ts (platform/run-service.ts)
 * and by tests alike: opens what the spec's needs ask for (schema +
 * migrations, Redis, Kafka, outbox relay, consumer group), a client per
 * callee, serves the contract build returns, and closes everything in
 * reverse order at shutdown. `config` is parsed with the spec's schema
 * (from the environment when omitted).
 */
export async function startService(
  spec: AnyServiceSpec,
  config: BaseConfig = loadConfig(spec.config) as BaseConfig,
  options: StartOptions = {},
): Promise<RunningService> {
  const { name, needs } = spec;
  const settings = config as BaseConfig & Record<string, unknown>;
  // Every callee's addresses are set before anything opens: a missing one is a configuration error.
  const missing = Object.keys(spec.calls).filter((callee) => calleeAddresses(config, callee).length === 0);
  if (missing.length) {
    const problems = missing.map((callee) => `${spec.addressVariables[callee]}: ${name} calls ${callee}; set host:port[,host:port...]`);
    // The shape loadConfig gives its errors: one line for one problem, a list for several.
    throw new ConfigError(
      problems.length === 1 ? `invalid configuration: ${problems[0]}` : `invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
  const log = options.logger ?? createLogger(name, config.LOG_LEVEL);
  const tokens = createTokens({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, alsoAccepted: spec.alsoAcceptedAudiences });
  const server = createServer({
    name,
    log,
    tokens,
    host: config.GRPC_HOST,
    grpcPort: config.GRPC_PORT,
    metricsPort: config.METRICS_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  });
  // Only what the spec declared is set: ServiceDeps types the rest away.
  const deps: BaseDeps<BaseConfig> & { db?: Db; redis?: Redis; outbox?: Outbox; clients: Record<string, unknown> } = {
    config,
    log,
    tokens,
    kafka: createKafka(config.KAFKA_BROKERS, name, log),
    onClose: (resource, close) => server.onClose(resource, close),
    clients: {},
  };

  try {
    if (needs.database) {
      const db = await openDatabase({
        url: config.MYSQL_URL,
        database: String(settings[databaseVariable(name)]),
        poolMax: config.MYSQL_POOL_MAX,
        migrationsDir: needs.database.migrationsDir,
        log,
      });
      deps.db = db;
      server.onClose('database', () => db.destroy());
      server.addHealthCheck({
        name: 'database',
        critical: true,
        check: async () => {
          await db.raw('select 1');
        },
      });
    }
    if (needs.redis) {
      const redis = openRedis(config.REDIS_URL, log);
      deps.redis = redis;
      server.onClose('redis', () => redis.quit().catch(() => redis.disconnect()));
      // Redis is a cache: without it the service is slower, not down.
      server.addHealthCheck({
        name: 'redis',
        critical: false,
        check: async () => {
          await redis.ping();
        },
      });
    }
    if (needs.outbox) {
      const relay = createOutboxRelay({
        db: deps.db!,
        kafka: deps.kafka,
        log: log.child({ component: 'outbox' }),
        service: name,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        partitions: config.KAFKA_TOPIC_PARTITIONS,
        idleMs: config.OUTBOX_POLL_MS,
      });
      deps.outbox = createOutbox(name, relay.notify);
      relay.start();
      server.onClose('outbox relay', () => relay.close());
    }
    // Service registry (services/registry): clients may resolve through it.
    if (config.REGISTRY_ADDRESSES.length) {
      const resolver = createRegistryResolver({
        registryAddresses: config.REGISTRY_ADDRESSES,
        deadlineMs: config.CLIENT_DEADLINE_MS,
        credentials: registryCredentials(tokens, name),
        log: log.child({ component: 'resolver' }),
      });
      deps.resolver = resolver;
      server.onClose('registry resolver', async () => resolver.close());
    }
    // A typed client per callee, from `<CALLEE>_ADDRESSES` (and the registry when there is one).
    for (const [callee, declared] of Object.entries(spec.calls)) {
      const client = createClient(definitionOf(declared), {
        addresses: calleeAddresses(config, callee),
        deadlineMs: config.CLIENT_DEADLINE_MS,
        resolver: deps.resolver,
        ...(isCallee(declared) ? declared.options : {}),
      });
      deps.clients[callee] = client;
      server.onClose(`${callee} client`, async () => client.close());
    }
    const built: BuiltService = await spec.build(deps as never);
    server.add(built.contract);
    const started = await server.start();
    // Service registry: registered once serving, in the background (a registry that is down never blocks a start).
    const registration = config.REGISTRY_ADDRESSES.length
      ? startRegistration({
          registryAddresses: config.REGISTRY_ADDRESSES,
          serviceName: name,
          version: config.SERVICE_VERSION,
          host: advertisedHost(config),
          grpcPort: started.grpcPort,
          metricsPort: started.metricsPort,
          startedAt: new Date(),
          tokens,
          log: log.child({ component: 'registration' }),
          deadlineMs: config.CLIENT_DEADLINE_MS,
        })
      : undefined;
    // A sample of this service's outbound calls goes to the registry's call log.
    const reporting = config.REGISTRY_ADDRESSES.length
      ? startCallReporting({
          registryAddresses: config.REGISTRY_ADDRESSES,
          serviceName: name,
          tokens,
          sampleRate: config.REGISTRY_CALL_SAMPLE_RATE,
          log: log.child({ component: 'call-reporting' }),
          deadlineMs: config.CLIENT_DEADLINE_MS,
        })
      : undefined;
    if (reporting) server.onClose('call reporting', () => reporting.stop());
    if (needs.consumer) {
      const consumer = createEventConsumer(deps.kafka, {
        groupId: String(settings[consumerGroupVariable(name)]),
        subscriptions: built.subscriptions ?? {},
        db: deps.db!,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        log: log.child({ component: 'consumer' }),
        partitions: config.KAFKA_TOPIC_PARTITIONS,
        concurrency: config.KAFKA_CONSUMER_CONCURRENCY,
        batchSize: config.EVENT_BATCH_SIZE,
      });
      server.onClose('consumer', () => consumer.close());
      // Consuming starts in the background: a broker that is late must not keep the RPCs down.
      consumer.start().catch((error) => log.error({ err: error }, 'consumer failed to start'));
    }
    if (needs.outbox || needs.consumer) {
      const purge = startRetentionPurge({
        db: deps.db!,
        log: log.child({ component: 'retention' }),
        service: name,
        outboxHours: needs.outbox ? config.OUTBOX_RETENTION_HOURS : undefined,
        processedEventsHours: needs.consumer ? config.PROCESSED_EVENTS_RETENTION_HOURS : undefined,
        intervalSeconds: config.RETENTION_PURGE_INTERVAL_SECONDS,
      });
      server.onClose('retention purge', () => purge.stop());
    }
    return {
      ...started,
      server,
      definition: built.contract.definition,
      registration,
      // Deregistering comes first, so resolvers stop sending here before the drain starts.
      shutdown: async (reason) => {
        await registration?.stop();
        return server.shutdown(reason);
      },
    };
  } catch (error) {
    await server.shutdown('failed to start');
    throw error;
  }
}
