import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { createTokens, SERVICE_ROLE, type Tokens } from '../../platform/auth';
import { createClient, type CallOptions, type TypedClient } from '../../platform/client';
import type { BaseConfig } from '../../platform/config';
import { registryCredentials } from '../../platform/registration';
import { startService, type RunningService } from '../../platform/service-runtime';
import { addressesVariable, type AnyServiceSpec, consumerGroupVariable, databaseVariable, type ServedBy } from '../../platform/service-spec';
import { dropDatabases } from './databases';
import { until } from './poll';
import { testConfig, testDatabase } from './service-config';

export interface UnderTestOptions<S extends AnyServiceSpec> {
  /** Settings on top of the test defaults (free ports, silent logs, a database and group of its own). */
  overrides?: Record<string, string>;
  /** host:port of each callee the spec declares (`<CALLEE>_ADDRESSES`). */
  calls?: Partial<Record<keyof S['calls'] & string, string>>;
  /**
   * Topics of this instance alone (a fresh KAFKA_TOPIC_PREFIX): no event of
   * the rest of the run reaches it. Default: the run's prefix (test/setup/root-hooks.ts).
   */
  ownTopics?: boolean;
  /** Default deadline of the client of the service under test. */
  deadlineMs?: number;
}

export interface ServiceUnderTest<S extends AnyServiceSpec> {
  spec: S;
  /** The configuration it runs with, parsed by its spec's schema. */
  config: z.infer<S['config']>;
  service: RunningService;
  address: string;
  /** A typed client of the contract it serves. */
  client: TypedClient<ServedBy<S>>;
  /** Call options carrying a bearer token with the admin role, a customer's, and a service's (role "service"). */
  asAdmin: CallOptions;
  asCustomer: CallOptions;
  asService: CallOptions;
  /** Call options with a token for this user and these roles (default: customer). */
  as(userId: string, roles?: string[]): Promise<CallOptions>;
  /** The token issuer the service verifies with (its JWT_SECRET), for credentials a test builds itself. */
  tokens: Tokens;
  /** Call options with the token a service mints for the registry (platform/registration.ts). */
  asServiceForRegistry(service: string): Promise<CallOptions>;
  /** Resolves once the named /healthz check answers ok (Redis connects in the background after start). */
  untilCheck(name: string, timeoutMs?: number): Promise<void>;
  /** Shuts it down and drops its database, unless the test passed one in (a second instance of a deployment). */
  stop(): Promise<void>;
}

/**
 * The one way a test starts a service: its spec in this process on free ports,
 * with a throwaway database (when it declared one), a consumer group of its own
 * (which reads its topics from the beginning), tokens signed with the secret
 * its config reads, and a typed client of its contract.
 */
export async function startServiceUnderTest<S extends AnyServiceSpec>(spec: S, options: UnderTestOptions<S> = {}): Promise<ServiceUnderTest<S>> {
  const overrides = options.overrides ?? {};
  const run = randomUUID().slice(0, 8);
  const dbVariable = spec.needs.database ? databaseVariable(spec.name) : undefined;
  const ownDatabase = dbVariable !== undefined && overrides[dbVariable] === undefined;
  const defaults: Record<string, string> = {};
  if (dbVariable) defaults[dbVariable] = testDatabase(spec.name);
  if (spec.needs.consumer) defaults[consumerGroupVariable(spec.name)] = `${spec.name}-test-${run}`;
  if (options.ownTopics) defaults.KAFKA_TOPIC_PREFIX = `${process.env.KAFKA_TOPIC_PREFIX ?? ''}${run}.`;
  for (const [callee, address] of Object.entries(options.calls ?? {})) defaults[addressesVariable(callee)] = String(address);

  const config = testConfig(spec.config, { ...defaults, ...overrides }) as z.infer<S['config']> & {
    JWT_SECRET: string;
    JWT_ISSUER: string;
    MYSQL_URL: string;
    GRPC_HOST: string;
  };
  const dropOwnDatabase = () => (ownDatabase ? dropDatabases(config.MYSQL_URL, [String((config as Record<string, unknown>)[dbVariable])]) : Promise.resolve());
  const service = await startService(spec, config as unknown as BaseConfig).catch(async (error) => {
    // A start that failed half-way (after the migrations) leaves no database behind either.
    await dropOwnDatabase().catch(() => undefined);
    throw error;
  });
  const client = createClient(service.definition, { addresses: [service.address], deadlineMs: options.deadlineMs ?? 5_000 }) as TypedClient<ServedBy<S>>;
  const tokens = createTokens({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER });
  const as = async (userId: string, roles = ['customer']): Promise<CallOptions> => ({
    metadata: { authorization: `Bearer ${(await tokens.issue({ userId, roles })).token}` },
  });
  let stopped = false;
  return {
    spec,
    config,
    service,
    address: service.address,
    client,
    asAdmin: await as(`admin-${run}`, ['admin']),
    asCustomer: await as(randomUUID()),
    asService: await as(`service:test-${run}`, [SERVICE_ROLE]),
    as,
    tokens,
    asServiceForRegistry: (name) => registryCredentials(tokens, name)(),
    async untilCheck(name, timeoutMs = 5_000) {
      await until(
        `the ${name} check of ${spec.name} to pass`,
        async () => {
          const health = (await (await fetch(`http://${config.GRPC_HOST}:${service.metricsPort}/healthz`)).json()) as {
            checks: { name: string; ok: boolean }[];
          };
          return health.checks.some((c) => c.name === name && c.ok);
        },
        { timeoutMs, intervalMs: 20 },
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      client.close();
      await service.shutdown('test done');
      await dropOwnDatabase();
    },
  };
}
