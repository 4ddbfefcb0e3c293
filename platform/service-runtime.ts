import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import { createTokens, type Tokens } from './auth';
import { openRedis } from './cache';
import type { BaseConfig } from './config';
import { openDatabase, type Db } from './db';
import { createEventConsumer, type Subscriptions } from './events/consumer';
import { createKafka } from './events/kafka';
import { createOutbox, type Outbox } from './events/outbox';
import { createOutboxRelay } from './events/outbox-relay';
import { startRetentionPurge } from './events/retention';
import { createLogger, type Logger } from './logger';
import { advertisedHost, registryCredentials, startRegistration, type Registration } from './registration';
import { createRegistryResolver, type AddressResolver } from './resolver';
import { startCallReporting } from './call-reporting';
import type { ServiceBinding } from './rpc/bind-service';
import { createServer, type PlatformServer, type StartedServer } from './server';

export interface ServiceSpec<C extends BaseConfig> {
  name: string;
  config: C;
  /** The service's own schema and its migrations folder; omit for a service without a database. */
  database?: { name: string; migrationsDir: string };
  redis?: boolean;
  /** Starts an outbox relay publishing this service's outbox table. */
  outbox?: boolean;
  /** Builds the service's contracts, and what it consumes, from its dependencies. */
  build(deps: ServiceDeps<C>): BuiltService | Promise<BuiltService>;
  logger?: Logger;
  /**
   * Token audiences this service accepts besides the user API's: the
   * registry takes the tokens services mint for it alone.
   */
  alsoAcceptedAudiences?: string[];
}

export interface BuiltService {
  services: ServiceBinding<any>[];
  /** Consumer group and the one list of events this service reacts to. */
  consumes?: { groupId: string; subscriptions: Subscriptions };
}

export interface ServiceDeps<C extends BaseConfig> {
  config: C;
  log: Logger;
  tokens: Tokens;
  db: Db;
  redis: Redis;
  /** Not connected until a producer or consumer is. */
  kafka: Kafka;
  /** Emits events in the caller's transaction; the relay publishes them once it commits. */
  outbox: Outbox;
  /** Registers a resource to close at shutdown, in reverse order of registration. */
  onClose(resource: string, close: () => Promise<unknown>): void;
  /**
   * Registry-backed address resolution for `createClient({ resolver })`;
   * undefined when REGISTRY_ADDRESSES is empty (clients use static addresses).
   */
  resolver?: AddressResolver;
}

export interface RunningService extends StartedServer {
  server: PlatformServer;
  /** This instance's registration with the service registry, when REGISTRY_ADDRESSES is set. */
  registration?: Registration;
  shutdown(reason?: string): Promise<void>;
}

const unavailableDependency = (what: string) =>
  new Proxy(
    {},
    {
      get: () => {
        throw new Error(`${what} was not requested in this service's spec`);
      },
    },
  );

/**
 * The one bootstrap of every service, used by main.ts and by tests alike:
 * opens what the spec asks for (schema + migrations, Redis, Kafka, outbox
 * relay, consumers), serves the contracts, and closes everything in reverse
 * order at shutdown.
 */
export async function startService<C extends BaseConfig>(spec: ServiceSpec<C>): Promise<RunningService> {
  const { config, name } = spec;
  const log = spec.logger ?? createLogger(name, config.LOG_LEVEL);
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
  const deps: ServiceDeps<C> = {
    config,
    log,
    tokens,
    db: unavailableDependency('database') as Db,
    redis: unavailableDependency('redis') as Redis,
    kafka: undefined as unknown as Kafka,
    outbox: unavailableDependency('outbox') as Outbox,
    onClose: (resource, close) => server.onClose(resource, close),
  };

  try {
    if (spec.database) {
      const db = await openDatabase({
        url: config.MYSQL_URL,
        database: spec.database.name,
        poolMax: config.MYSQL_POOL_MAX,
        migrationsDir: spec.database.migrationsDir,
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
    if (spec.redis) {
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
    // A kafkajs client connects only when a producer or consumer does.
    deps.kafka = createKafka(config.KAFKA_BROKERS, name, log);
    if (spec.outbox) {
      const relay = createOutboxRelay({
        db: deps.db,
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
    const built = await spec.build(deps);
    for (const binding of built.services) server.add(binding);
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
    if (built.consumes) {
      const consumer = createEventConsumer(deps.kafka, {
        ...built.consumes,
        db: deps.db,
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
    if (spec.outbox || built.consumes) {
      const purge = startRetentionPurge({
        db: deps.db,
        log: log.child({ component: 'retention' }),
        service: name,
        outboxHours: spec.outbox ? config.OUTBOX_RETENTION_HOURS : undefined,
        processedEventsHours: built.consumes ? config.PROCESSED_EVENTS_RETENTION_HOURS : undefined,
        intervalSeconds: config.RETENTION_PURGE_INTERVAL_SECONDS,
      });
      server.onClose('retention purge', () => purge.stop());
    }
    return {
      ...started,
      server,
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
