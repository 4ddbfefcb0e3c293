import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { z } from 'zod';
import type { Tokens } from './auth';
import type { ClientOptions, TypedClient } from './client';
import { csv } from './config';
import type { Db } from './db';
import type { Subscriptions } from './events/consumer';
import type { Outbox } from './events/outbox';
import type { Logger } from './logger';
import type { AddressResolver } from './resolver';
import type { ServiceBinding, ServiceDefinition } from './rpc/bind-service';

/**
 * A service, declared once (services/<name>/src/service.ts): its name, its
 * config schema, what it needs from the platform, whom it calls, and how to
 * build its contract and subscriptions from those. Everything else derives
 * from it: main.ts (`runService(spec)`), the manifest and the launcher, the
 * deployment checks, the test harness, and the environment variable names
 * below. docs/architecture.md walks through it.
 */

/** `order-history` → `ORDER_HISTORY`: the prefix of a service's environment variables. */
export const envPrefix = (service: string) => service.toUpperCase().replace(/-/g, '_');
/** Where a caller finds a callee's instances (`host:port,...`), e.g. USERS_ADDRESSES. */
export const addressesVariable = (callee: string) => `${envPrefix(callee)}_ADDRESSES`;
/** The schema of a service that declared a database, e.g. ORDERS_DB_NAME. */
export const databaseVariable = (service: string) => `${envPrefix(service)}_DB_NAME`;
/** The consumer group of a service that consumes events, e.g. ORDERS_CONSUMER_GROUP. */
export const consumerGroupVariable = (service: string) => `${envPrefix(service)}_CONSUMER_GROUP`;

/** What a service asks the runtime for; it gets exactly these in its deps (and nothing else compiles). */
export interface ServiceNeeds {
  /** Its own schema (`<NAME>_DB_NAME` in its config) migrated from this folder at start. */
  database?: { migrationsDir: string };
  /** A Redis connection (REDIS_URL); a cache unless the service says otherwise. */
  redis?: true;
  /** An outbox table in its database and a relay publishing it to Kafka (needs a database). */
  outbox?: true;
  /** A consumer group (`<NAME>_CONSUMER_GROUP` in its config) for the subscriptions build returns (needs a database). */
  consumer?: true;
}

const CALLEE = Symbol('callee');

/** A callee whose client needs options of its own; a bare definition takes the defaults. */
export interface Callee<D extends ServiceDefinition = ServiceDefinition> {
  [CALLEE]: true;
  definition: D;
  /** createClient's options besides what the runtime sets (addresses, deadline, resolver). */
  options: Omit<ClientOptions, 'addresses' | 'deadlineMs' | 'resolver'>;
}

export function callee<D extends ServiceDefinition>(definition: D, options: Callee['options']): Callee<D> {
  return { [CALLEE]: true, definition, options };
}

/** Callees by service name (the name in its own spec): each gets a typed client from `<NAME>_ADDRESSES`. */
export type Calls = Record<string, ServiceDefinition | Callee>;
/** A service that calls nobody. */
export type NoCalls = Record<never, never>;

type DefinitionOf<C> = C extends Callee<infer D> ? D : C;
export type CalleeClients<K extends Calls> = { [N in keyof K]: TypedClient<DefinitionOf<K[N]>> };

export const isCallee = (value: ServiceDefinition | Callee): value is Callee => CALLEE in value;
export const definitionOf = (value: ServiceDefinition | Callee): ServiceDefinition => (isCallee(value) ? value.definition : value);

/** What every service gets, whatever it declared. */
export interface BaseDeps<C> {
  config: C;
  log: Logger;
  tokens: Tokens;
  /** Not connected until a producer or consumer is. */
  kafka: Kafka;
  /** Registers a resource to close at shutdown, in reverse order of registration. */
  onClose(resource: string, close: () => Promise<unknown>): void;
  /** Registry-backed address resolution; undefined when REGISTRY_ADDRESSES is empty. */
  resolver?: AddressResolver;
}

/**
 * The deps of a service, typed from its spec: `db` exists only when it
 * declared a database, `redis` only with `redis: true`, `outbox` only with
 * `outbox: true`, and `clients` holds one typed client per callee.
 */
export type ServiceDeps<C, N extends ServiceNeeds, K extends Calls = NoCalls> = BaseDeps<C> & { clients: CalleeClients<K> } & (N extends {
    database: object;
  }
    ? { db: Db }
    : unknown) &
  (N extends { redis: true } ? { redis: Redis } : unknown) &
  (N extends { outbox: true } ? { outbox: Outbox } : unknown);

/** What build returns: the contract it serves and, for a consumer, the one list of events it reacts to. */
export type BuiltService<N extends ServiceNeeds = ServiceNeeds> = {
  contract: ServiceBinding<any>;
} & (N extends { consumer: true } ? { subscriptions: Subscriptions } : { subscriptions?: never });

export interface ServiceSpecInput<Name extends string, S extends z.ZodObject, N extends ServiceNeeds, K extends Calls, B extends BuiltService<N>> {
  name: Name;
  /** The service's own settings (services/<name>/src/config.ts); `<CALLEE>_ADDRESSES` are added from `calls`. */
  config: S;
  needs: N;
  calls?: K;
  /** Token audiences accepted besides the user API's (the registry takes the tokens minted for it). */
  alsoAcceptedAudiences?: string[];
  build(deps: ServiceDeps<z.infer<S>, N, K>): B | Promise<B>;
}

export interface ServiceSpec<
  Name extends string = string,
  S extends z.ZodObject = z.ZodObject,
  N extends ServiceNeeds = ServiceNeeds,
  K extends Calls = Calls,
  B extends BuiltService<N> = BuiltService<N>,
> extends Required<Omit<ServiceSpecInput<Name, S, N, K, B>, 'alsoAcceptedAudiences'>> {
  kind: 'grpc';
  alsoAcceptedAudiences: string[];
  /** The environment variables a deployment sets for `calls`, derived: `<CALLEE>_ADDRESSES`. */
  addressVariables: Record<keyof K & string, string>;
}

/** Any spec, as the manifest, the runtime and the harness take it. */
export type AnyServiceSpec = ServiceSpec<string, z.ZodObject, ServiceNeeds, Calls, any>;

/** The contract a spec serves, for typed clients of the service under test. */
export type ServedBy<S> = S extends ServiceSpec<any, any, any, any, infer B> ? (B['contract'] extends ServiceBinding<infer D> ? D : never) : never;

/**
 * Declares a service. `config` becomes its schema plus one `<CALLEE>_ADDRESSES`
 * (host:port, comma-separated) per callee; the settings a need reads
 * (`<NAME>_DB_NAME`, `<NAME>_CONSUMER_GROUP`) must be in its schema, with
 * their defaults, and a missing one fails here, at import.
 */
export function defineServiceSpec<Name extends string, S extends z.ZodObject, N extends ServiceNeeds, B extends BuiltService<N>, K extends Calls = NoCalls>(
  input: ServiceSpecInput<Name, S, N, K, B>,
): ServiceSpec<Name, S, N, K, B> {
  const calls = (input.calls ?? {}) as K;
  const keys = Object.keys(input.config.shape);
  const required = [...(input.needs.database ? [databaseVariable(input.name)] : []), ...(input.needs.consumer ? [consumerGroupVariable(input.name)] : [])];
  // The outbox table and the consumer's processed-events table live in the service's own schema.
  if ((input.needs.outbox || input.needs.consumer) && !input.needs.database) {
    throw new Error(`${input.name}: an outbox or a consumer needs a database (needs.database)`);
  }
  const undeclared = required.filter((variable) => !keys.includes(variable));
  if (undeclared.length) throw new Error(`${input.name}: its needs read ${undeclared.join(', ')}, which its config schema does not declare`);
  const addressVariables = Object.fromEntries(Object.keys(calls).map((name) => [name, addressesVariable(name)])) as Record<keyof K & string, string>;
  // Empty by default: the launcher, compose and Kubernetes set them; the runtime names a missing one.
  const config = input.config.extend(
    Object.fromEntries(Object.values<string>(addressVariables).map((variable) => [variable, csv.default([])])),
  ) as unknown as S;
  return { ...input, kind: 'grpc', config, calls, alsoAcceptedAudiences: input.alsoAcceptedAudiences ?? [], addressVariables };
}

/** A callee's addresses from a config parsed with a spec's schema. */
export function calleeAddresses(config: object, name: string): string[] {
  const value = (config as Record<string, unknown>)[addressesVariable(name)];
  return Array.isArray(value) ? value : [];
}
