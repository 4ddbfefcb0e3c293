/**
 * What a deployment of each service must configure, derived from services/manifest.ts
 * (each service's spec: its config schema, needs and calls): nothing here is a second,
 * hand-kept list. Adding a
 * service to the manifest makes the compose and Kubernetes checks fail until both list it.
 *
 * The rule for environment variables (docker-compose.yml and deploy/k8s alike):
 * - set, equal to the schema's default: every `*_PORT` (ports have one source, the schema);
 * - set, and not to a loopback address: every variable whose default points at this
 *   machine (GRPC_HOST, REDIS_URL, KAFKA_BROKERS, ...), which cannot work in a container;
 * - set, from a secret: every secret-like variable (`*_SECRET`, `*_PASSWORD`, `*_KEY`),
 *   whose default is a development value;
 * - a service with a database (its spec needs one; the gateway, no spec, when its schema
 *   has `<NAME>_DB_NAME`) sets `<NAME>_DB_NAME` (equal
 *   to the default, the schema the MySQL init script creates) and MYSQL_URL (a secret: it
 *   holds the password); a service without one gets no MYSQL_URL and so no credentials;
 * - `<CALLEE>_ADDRESSES` for every service in its manifest `calls` (and, for a service
 *   outside the manifest such as the gateway, for every deployed service whose
 *   `<NAME>_ADDRESSES` its schema declares);
 * - OTEL_SERVICE_NAME (the service's name) and OTEL_EXPORTER_OTLP_ENDPOINT (tracing on).
 * Everything else may be left to its default (LOG_LEVEL, SHUTDOWN_GRACE_MS, ...). And
 * every variable a deployment sets must be one the schema declares, a `<CALLEE>_ADDRESSES`,
 * or a standard OTEL_* variable of the OpenTelemetry SDK: a typo fails.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type AnyServiceSpec, addressesVariable, databaseVariable, envPrefix, type ServiceNeeds } from '../../platform/service-spec';
import { isGrpcService, SERVICES } from '../../services/manifest';

export const root = join(__dirname, '..', '..');

export interface ServiceRequirements {
  name: string;
  /** GRPC_PORT's default; undefined for a service that serves no gRPC (the gateway). */
  grpcPort?: number;
  metricsPort: number;
  /** Every `*_PORT` of the schema with its default. */
  ports: Record<string, number>;
  /** The service's schema (`<NAME>_DB_NAME` default), when it has a database. */
  database?: { variable: string; schema: string; passwordVariable: string };
  calls: string[];
  /** Names the deployment must set. */
  required: string[];
  /** Names whose value must come from a secret. */
  secrets: string[];
  /** Whether a deployment may set this variable. */
  knows(variable: string): boolean;
  /** The default of a variable, as the schema gives it. */
  defaults: Record<string, unknown>;
}

const LOOPBACK = /127\.0\.0\.1|localhost|\[::1\]/;
const SECRET_LIKE = /(_SECRET|_PASSWORD|_KEY)$/;

export { addressesVariable, envPrefix };
export const pointsAtLoopback = (value: string) => LOOPBACK.test(value);
export const isSecretLike = (variable: string) => SECRET_LIKE.test(variable);

function schemaKeys(schema: z.ZodType): string[] {
  if (!(schema instanceof z.ZodObject)) throw new Error('a service config schema must be a zod object');
  return Object.keys(schema.shape);
}

export function requirementsOf(entry: { name: string; config: z.ZodType; calls: string[]; hasDatabase?: boolean }): ServiceRequirements {
  const keys = schemaKeys(entry.config);
  const defaults = entry.config.parse({}) as Record<string, unknown>;
  const prefix = envPrefix(entry.name);
  const dbVariable = databaseVariable(entry.name);
  const database =
    (entry.hasDatabase ?? keys.includes(dbVariable))
      ? { variable: dbVariable, schema: String(defaults[dbVariable]), passwordVariable: `${prefix}_DB_PASSWORD` }
      : undefined;

  const ports = Object.fromEntries(keys.filter((key) => key.endsWith('_PORT')).map((key) => [key, Number(defaults[key])]));
  const loopbackDefaults = keys.filter((key) => typeof defaults[key] === 'string' && pointsAtLoopback(defaults[key] as string));
  const secrets = keys.filter(isSecretLike);
  if (database) secrets.push('MYSQL_URL');

  const required = new Set<string>([
    ...Object.keys(ports),
    ...loopbackDefaults.filter((key) => key !== 'MYSQL_URL'),
    ...secrets,
    ...(database ? [database.variable] : []),
    ...entry.calls.map(addressesVariable),
    'OTEL_SERVICE_NAME',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
  ]);
  const callees = new Set(entry.calls.map(addressesVariable));
  return {
    name: entry.name,
    grpcPort: keys.includes('GRPC_PORT') ? Number(defaults.GRPC_PORT) : undefined,
    metricsPort: Number(defaults.METRICS_PORT),
    ports,
    database,
    calls: entry.calls,
    required: [...required],
    secrets,
    defaults,
    knows: (variable) =>
      (keys.includes(variable) && (variable !== 'MYSQL_URL' || database !== undefined)) || callees.has(variable) || variable.startsWith('OTEL_'),
  };
}

/** Every service of the manifest with what its deployment must set. */
export const MANIFEST_SERVICES: ServiceRequirements[] = SERVICES.map((entry) =>
  requirementsOf({ ...entry, hasDatabase: isGrpcService(entry) ? Boolean(entry.spec.needs.database) : undefined }),
);

/** The config schema exported by services/<name>/src/config.ts, if there is one. */
export function folderSchema(service: string): z.ZodObject | undefined {
  const file = join(root, 'services', service, 'src', 'config.ts');
  if (!existsSync(file)) return undefined;
  const exports = require(file) as Record<string, unknown>;
  return Object.values(exports).find((value): value is z.ZodObject => value instanceof z.ZodObject);
}

/**
 * What a deployed service must set: from the manifest, or for one outside it (the gateway,
 * a service whose code is still landing) from its folder's schema, calling every manifest
 * service whose `<NAME>_ADDRESSES` that schema declares. Undefined when neither exists.
 */
export function requirementsFor(name: string): ServiceRequirements | undefined {
  const listed = MANIFEST_SERVICES.find((s) => s.name === name);
  if (listed) return listed;
  const config = folderSchema(name);
  if (!config) return undefined;
  const declared = new Set(Object.keys(config.shape));
  const calls = SERVICES.map((s) => s.name).filter((callee) => declared.has(addressesVariable(callee)));
  return requirementsOf({ name, config, calls });
}

/** The problems of one service's environment (an empty list when it follows the rule). */
export function environmentProblems(service: ServiceRequirements, env: Record<string, string>, where: string): string[] {
  const problems: string[] = [];
  for (const variable of service.required) {
    if (env[variable] === undefined) problems.push(`${where}: ${service.name} must set ${variable}`);
  }
  for (const variable of Object.keys(env)) {
    if (!service.knows(variable)) problems.push(`${where}: ${service.name} sets ${variable}, which its config schema does not declare`);
  }
  for (const [variable, port] of Object.entries(service.ports)) {
    if (env[variable] !== undefined && Number(env[variable]) !== port) {
      problems.push(`${where}: ${service.name} ${variable}=${env[variable]}, but its schema's default is ${port}`);
    }
  }
  for (const [variable, value] of Object.entries(env)) {
    if (pointsAtLoopback(value)) problems.push(`${where}: ${service.name} ${variable}=${value} points at the container itself`);
    if (variable.endsWith('_HOST') && value !== '0.0.0.0') problems.push(`${where}: ${service.name} must listen on every interface (${variable}=0.0.0.0)`);
  }
  if (service.database && env[service.database.variable] !== undefined && env[service.database.variable] !== service.database.schema) {
    problems.push(
      `${where}: ${service.name} ${service.database.variable}=${env[service.database.variable]}, but the init script creates ${service.database.schema}`,
    );
  }
  if (env.OTEL_SERVICE_NAME !== undefined && env.OTEL_SERVICE_NAME !== service.name) {
    problems.push(`${where}: ${service.name} OTEL_SERVICE_NAME=${env.OTEL_SERVICE_NAME}`);
  }
  return problems;
}

/** `host:port` pairs of an `<CALLEE>_ADDRESSES` value. */
export function addresses(value: string): { host: string; port: number }[] {
  return value.split(',').map((item) => {
    const match = /^(?:dns:)?(.+):(\d+)$/.exec(item.trim());
    if (!match) throw new Error(`not host:port: ${item}`);
    return { host: match[1], port: Number(match[2]) };
  });
}

export function byName(name: string): ServiceRequirements {
  const service = MANIFEST_SERVICES.find((s) => s.name === name);
  if (!service) throw new Error(`${name} is not in services/manifest.ts`);
  return service;
}

export type DataStore = 'mysql' | 'redis' | 'kafka';

/**
 * The shared stores a service connects to, from its spec's needs (`database`, `redis`,
 * `outbox`, `consumer`), since every schema inherits REDIS_URL and KAFKA_BROKERS whether it
 * uses them or not. An HTTP edge has no spec: it uses Redis when its own schema declares
 * REDIS_URL (the gateway's shared rate-limit buckets).
 */
export function dataStoresOf(name: string): Set<DataStore> {
  const service = requirementsFor(name);
  if (!service) throw new Error(`${name} has no config schema`);
  const stores = new Set<DataStore>();
  if (service.database) stores.add('mysql');
  const entry = SERVICES.find((s) => s.name === name);
  if (!entry || !isGrpcService(entry)) {
    if ('REDIS_URL' in service.defaults) stores.add('redis');
    return stores;
  }
  const { needs } = entry.spec;
  if (needs.redis) stores.add('redis');
  if (needs.outbox || needs.consumer) stores.add('kafka');
  return stores;
}

/**
 * A service as the renderers take it: what its manifest entry says (name, kind, config
 * schema, calls) and, for a gRPC service, its spec's needs. The renderers default to the
 * manifest's (MANIFEST_ENTRIES); a test passes one more, made up, to see it appear in every
 * rendered file.
 */
export interface DeployEntry {
  name: string;
  kind: 'grpc' | 'http';
  config: z.ZodType;
  calls: string[];
  needs?: ServiceNeeds;
}

/** A gRPC service's entry from its spec, as services/manifest.ts makes it. */
export const deployEntryOfSpec = (spec: AnyServiceSpec): DeployEntry => ({
  name: spec.name,
  kind: 'grpc',
  config: spec.config,
  calls: Object.keys(spec.calls),
  needs: spec.needs,
});

export const MANIFEST_ENTRIES: DeployEntry[] = SERVICES.map((entry) =>
  isGrpcService(entry) ? deployEntryOfSpec(entry.spec) : { name: entry.name, kind: entry.kind, config: entry.config, calls: entry.calls },
);

/** A deployed service: its requirements, kind, needs and the data stores it connects to. */
export interface DeployedService extends ServiceRequirements {
  kind: 'grpc' | 'http';
  needs: ServiceNeeds;
  /** Whether it consumes events (a consumer group: at most one busy pod per partition). */
  consumer: boolean;
  stores: Set<DataStore>;
}

/** requirementsOf and the rule of dataStoresOf, for any entry (one outside the manifest too). */
export function deployedService(entry: DeployEntry): DeployedService {
  const needs = entry.needs ?? {};
  const requirements = requirementsOf({ ...entry, hasDatabase: entry.kind === 'grpc' ? Boolean(needs.database) : undefined });
  const stores = new Set<DataStore>();
  if (requirements.database) stores.add('mysql');
  if (entry.kind === 'grpc') {
    if (needs.redis) stores.add('redis');
    if (needs.outbox || needs.consumer) stores.add('kafka');
  } else if ('REDIS_URL' in requirements.defaults) stores.add('redis');
  return { ...requirements, kind: entry.kind, needs, consumer: Boolean(needs.consumer), stores };
}
