import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import { createTokens, type Tokens } from './auth';
import { openRedis } from './cache';
import type { BaseConfig } from './config';
import { openDatabase, type Db } from './db';
import { createEventConsumer, type Subscriptions } from './events/consumer';
import { createKafka } from './events/kafka';
import { createOutboxRelay, type OutboxRelay } from './events/outbox-relay';
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
  /** Wakes the outbox relay after a commit that wrote events. */
  outbox: Pick<OutboxRelay, 'notify'>;
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
  new Proxy({}, { get: () => { throw new Error(`${what} was not requested in this service's spec`); } });

/**
 * The one bootstrap of every service, used by main.ts and by tests alike:
 * opens what the spec asks for (schema + migrations, Redis, Kafka, outbox
 * relay, consumers), serves the contracts, and closes everything in reverse
 * order at shutdown.
 */
export async function startService<C extends BaseConfig>(spec: ServiceSpec<C>): Promise<RunningService> {
  const { config, name } = spec;
  const log = spec.logger ?? createLogger(name, config.LOG_LEVEL);
  const tokens = createTokens({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER });
  const server = createServer({
    name, log, tokens,
    host: config.GRPC_HOST,
    grpcPort: config.GRPC_PORT,
    metricsPort: config.METRICS_PORT,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  });
  const deps: ServiceDeps<C> = {
    config, log, tokens,
    db: unavailableDependency('database') as Db,
    redis: unavailableDependency('redis') as Redis,
    kafka: undefined as unknown as Kafka,
    outbox: { notify: () => undefined },
    onClose: (resource, close) => server.onClose(resource, close),
  };

  try {
    if (spec.database) {
      const db = await openDatabase({ url: config.MYSQL_URL, database: spec.database.name, poolMax: config.MYSQL_POOL_MAX, migrationsDir: spec.database.migrationsDir });
      deps.db = db;
      server.onClose('database', () => db.destroy());
      server.addHealthCheck({ name: 'database', critical: true, check: async () => { await db.raw('select 1'); } });
    }
    if (spec.redis) {
      const redis = openRedis(config.REDIS_URL, log);
      deps.redis = redis;
      server.onClose('redis', () => redis.quit().catch(() => redis.disconnect()));
      // Redis is a cache: without it the service is slower, not down.
      server.addHealthCheck({ name: 'redis', critical: false, check: async () => { await redis.ping(); } });
    }
    // A kafkajs client connects only when a producer or consumer does.
    deps.kafka = createKafka(config.KAFKA_BROKERS, name, log);
    if (spec.outbox) {
      const relay = createOutboxRelay({ db: deps.db, kafka: deps.kafka, log: log.child({ component: 'outbox' }), service: name, topicPrefix: config.KAFKA_TOPIC_PREFIX });
      deps.outbox = relay;
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
      const consumer = createEventConsumer(deps.kafka, { ...built.consumes, db: deps.db, topicPrefix: config.KAFKA_TOPIC_PREFIX, log: log.child({ component: 'consumer' }) });
      server.onClose('consumer', () => consumer.close());
      // Consuming starts in the background: a broker that is late must not keep the RPCs down.
      consumer.start().catch((error) => log.error({ err: error }, 'consumer failed to start'));
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
