/**
 * docker-compose: one block per service of services/manifest.ts (gen/deploy/compose/services.yml),
 * merged over the hand-written docker-compose.yml, which holds the infrastructure (MySQL,
 * Redis, Kafka, the collector, Jaeger, Prometheus, Grafana, Adminer, the descriptors one-shot
 * and Envoy) and names no service. COMPOSE_FILE in .env (.env.example) names both files, so
 * `docker compose <command>` in the repository reads them together; `npm run compose --
 * <command>` renders them first. Paths in a merged file are relative to the first file's
 * directory, the repository root.
 *
 * Every block follows the rule of deploy/render/model.ts (environmentProblems): ports at the
 * schema's defaults, hosts of this network instead of loopback defaults, secrets from .env,
 * `<CALLEE>_ADDRESSES` for every callee, each service's own database user.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { addressesVariable, type DataStore, type DeployedService, type DeployEntry, deployedService, envPrefix, isSecretLike, MANIFEST_ENTRIES } from './model';
import { generatedHeader, type RenderedFile } from './rendered-file';

/** The files `docker compose` reads, in order, relative to the repository root (COMPOSE_FILE in .env). */
export const COMPOSE_FILES = ['docker-compose.yml', 'gen/deploy/compose/services.yml'];
/** COMPOSE_FILE's value: the files joined with compose's default path separator. */
export const COMPOSE_FILE = COMPOSE_FILES.join(':');

const OTLP_ENDPOINT = 'http://otel-collector:4318';
const MYSQL_HOST = 'mysql:3306';
const KAFKA_BROKERS = 'kafka:9092';
const REDIS_URL = 'redis://:${REDIS_PASSWORD:?set it in .env (see .env.example)}@redis:6379';
/** The message compose stops with when a per-service secret is missing from .env. */
const MISSING = 'set it in .env (npm run compose:env adds every missing secret)';
const required = (variable: string) => `\${${variable}:?${MISSING}}`;

/** The entries as deployed (deploy/render/model.ts), each with its entry (its config schema) beside it. */
function deployedServices(services: DeployEntry[] = MANIFEST_ENTRIES): { entry: DeployEntry; service: DeployedService }[] {
  return services.map((entry) => ({ entry, service: deployedService(entry) }));
}

/** A secret that a service's block reads from .env, and how to make a value it accepts. */
export interface ComposeSecret {
  variable: string;
  /** The services that read it. */
  services: string[];
  /** Whether a value is acceptable (the schema's rule, or the MySQL init script's for a database password). */
  accepts(value: string): boolean;
}

/** Unreserved URL characters, at least 16: the init script's rule for a database password (it goes into MYSQL_URL unencoded). */
export const DATABASE_PASSWORD = /^[A-Za-z0-9._~-]{16,}$/;

/**
 * The secrets the rendered blocks read from .env: each database user's password and every
 * secret-like variable of a schema (`*_SECRET`, `*_PASSWORD`, `*_KEY`). `npm run compose:env`
 * generates a value for each one .env lacks.
 */
export function composeSecrets(services: DeployEntry[] = MANIFEST_ENTRIES): ComposeSecret[] {
  const secrets = new Map<string, ComposeSecret>();
  const add = (variable: string, service: string, accepts: (value: string) => boolean) => {
    const known = secrets.get(variable);
    if (known) known.services.push(service);
    else secrets.set(variable, { variable, services: [service], accepts });
  };
  for (const { entry, service } of deployedServices(services)) {
    if (service.database) add(service.database.passwordVariable, entry.name, (value) => DATABASE_PASSWORD.test(value));
    const shape = (entry.config as z.ZodObject).shape as Record<string, z.ZodType>;
    for (const variable of service.secrets.filter((name) => name !== 'MYSQL_URL')) {
      add(variable, entry.name, (value) => shape[variable].safeParse(value).success);
    }
  }
  return [...secrets.values()];
}

/** A random value the secret accepts: hex first (URL-safe), else base64 of 32 or 48 bytes (keys). */
export function generateSecret(accepts: (value: string) => boolean = (value) => DATABASE_PASSWORD.test(value)): string {
  const candidates = [randomBytes(24).toString('hex'), randomBytes(32).toString('base64'), randomBytes(48).toString('base64')];
  const found = candidates.find(accepts);
  if (!found) throw new Error('no generated value (hex, or base64 of 32 or 48 bytes) is accepted');
  return found;
}

// ---- YAML text --------------------------------------------------------------------------

const PLAIN = /^[A-Za-z_/][\w./-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n)$/i;
/** A scalar as YAML: plain when unambiguous, otherwise double-quoted (JSON is valid YAML). */
const scalar = (value: string | number) => (typeof value === 'string' && PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(String(value)));
const comment = (indent: string, text: string) =>
  text
    .split('\n')
    .map((line) => `${indent}# ${line}`.trimEnd())
    .join('\n');

interface EnvLine {
  variable: string;
  value: string;
  why?: string;
}

/** The value of every variable a block sets, by the rule of model.ts; an unknown loopback default fails here. */
function environmentOf(service: DeployedService, byName: Map<string, DeployedService>): EnvLine[] {
  const grpc = service.kind === 'grpc';
  const prefix = envPrefix(service.name);
  const lines: EnvLine[] = [
    { variable: 'NODE_ENV', value: 'production' },
    { variable: 'LOG_LEVEL', value: '${LOG_LEVEL:-info}' },
    { variable: 'OTEL_SERVICE_NAME', value: service.name },
    { variable: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: OTLP_ENDPOINT },
  ];
  const set = new Set(lines.map((line) => line.variable));
  const add = (line: EnvLine) => {
    if (set.has(line.variable)) return;
    set.add(line.variable);
    lines.push(line);
  };
  const trustedHops = `${prefix}_TRUSTED_PROXY_HOPS`;
  if (!grpc && service.knows(trustedHops)) {
    add({
      variable: trustedHops,
      value: '1',
      why: 'Shoppers arrive through Envoy, which appends the address it saw to X-Forwarded-For:\none trusted hop, counted from the right (what clients write further left is ignored).',
    });
  }
  for (const [variable, port] of Object.entries(service.ports)) add({ variable, value: String(port) });
  if (service.database) {
    const { variable, schema, passwordVariable } = service.database;
    add({
      variable: 'MYSQL_URL',
      value: `mysql://${schema}:${required(passwordVariable)}@${MYSQL_HOST}`,
      why: 'Its own MySQL user, named after its schema (gen/deploy/mysql creates both).',
    });
    add({ variable, value: schema });
  }
  for (const variable of service.required) {
    if (set.has(variable) || variable.endsWith('_ADDRESSES')) continue;
    if (variable.endsWith('_HOST')) add({ variable, value: '0.0.0.0' });
    else if (variable === 'REDIS_URL') add({ variable, value: REDIS_URL, why: grpc ? undefined : "The rate limit's buckets, shared by every replica." });
    else if (variable === 'KAFKA_BROKERS') add({ variable, value: KAFKA_BROKERS });
    else if (isSecretLike(variable))
      add({ variable, value: variable === 'JWT_SECRET' ? '${JWT_SECRET:?set it in .env (see .env.example)}' : required(variable) });
    else {
      const fallback = service.defaults[variable];
      throw new Error(
        `deploy/render/compose.ts: ${service.name} must set ${variable} (default ${String(fallback)}), and the renderer does not know its compose value`,
      );
    }
  }
  // Callees first, then every other service whose `<NAME>_ADDRESSES` the schema declares (the registry).
  const callees = new Set(service.calls);
  for (const other of byName.values()) {
    const variable = addressesVariable(other.name);
    if (!callees.has(other.name) && !(variable in service.defaults)) continue;
    const port = other.grpcPort;
    if (port === undefined) continue;
    add({
      variable,
      value: `${other.name}:${port}`,
      why: callees.has(other.name)
        ? undefined
        : `Registers with ${other.name} (in the background: no start-up dependency) under its\ncontainer's IP on this network (ADVERTISED_HOSTNAME unset).`,
    });
  }
  for (const callee of service.calls) {
    if (!byName.get(callee)?.grpcPort) throw new Error(`deploy/render/compose.ts: ${service.name} calls ${callee}, which serves no gRPC in the manifest`);
  }
  return lines;
}

function dependsOn(lines: string[], names: string[], indent = '    ') {
  if (names.length === 0) return;
  lines.push(`${indent}depends_on:`);
  for (const name of names) lines.push(`${indent}  ${name}:`, `${indent}    condition: service_healthy`);
}

function serviceBlock(service: DeployedService, byName: Map<string, DeployedService>): string[] {
  const { stores } = service;
  const grpc = service.kind === 'grpc';
  const lines = [
    `  ${service.name}:`,
    '    <<: *node-service',
    '    build:',
    '      context: .',
    '      target: runtime',
    '      args:',
    `        SERVICE: ${scalar(service.name)}`,
    `    image: ${scalar(`shopmesh/${service.name}:\${SHOPMESH_TAG:-dev}`)}`,
    '    environment:',
  ];
  for (const { variable, value, why } of environmentOf(service, byName)) {
    if (why) lines.push(comment('      ', why));
    lines.push(`      ${variable}: ${scalar(value)}`);
  }
  lines.push('    expose:', ...Object.values(service.ports).map((port) => `      - ${scalar(String(port))}`));
  if (grpc && service.grpcPort !== undefined) {
    lines.push('    ports:', `      - ${scalar(`127.0.0.1:${service.grpcPort}:${service.grpcPort}`)}`);
  } else if (service.ports.HTTP_PORT !== undefined) {
    const http = service.ports.HTTP_PORT;
    lines.push(
      '    ports:',
      "      # Envoy holds the edge's port on the host; this edge itself, without Envoy, is one above.",
      `      - ${scalar(`127.0.0.1:\${${envPrefix(service.name)}_HTTP_PORT:-${http + 1}}:${http}`)}`,
    );
  }
  const order: DataStore[] = ['mysql', 'redis', 'kafka'];
  dependsOn(lines, [...order.filter((store) => stores.has(store)), 'otel-collector', ...service.calls]);
  return lines;
}

const PREAMBLE = `# The services of services/manifest.ts, merged over docker-compose.yml (the infrastructure):
# COMPOSE_FILE in .env names both, so \`docker compose ...\` in the repository reads them
# together (npm run compose -- up -d --build --wait renders this file first). Paths are
# relative to the repository root, the directory of the first file.

# What every Node service shares: the image's healthcheck (/healthz on METRICS_PORT,
# 200 once it serves and its database answers) and a stop grace longer than the
# service's own drain (SHUTDOWN_GRACE_MS, 10 s).
x-node-service: &node-service
  restart: unless-stopped
  init: true
  stop_grace_period: 20s
  healthcheck:
    test:
      - CMD
      - node
      - -e
      - fetch('http://127.0.0.1:'+process.env.METRICS_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))
    interval: 10s
    timeout: 3s
    retries: 3
    start_period: 60s

services:`;

/** gen/deploy/compose/services.yml: every service's block, Envoy's and MySQL's per-service additions. */
export function renderCompose(services: DeployEntry[] = MANIFEST_ENTRIES): RenderedFile[] {
  const deployed = services.map(deployedService);
  const byName = new Map(deployed.map((service) => [service.name, service]));
  const lines = [generatedHeader('compose.ts').trimEnd(), PREAMBLE];
  for (const service of deployed) {
    lines.push('', ...(service.kind === 'grpc' ? [] : ['  # An HTTP edge, not a gRPC service: its settings are its own schema.']));
    lines.push(...serviceBlock(service, byName));
  }

  lines.push('', '  # Envoy (docker-compose.yml) routes to every service: it starts once they are all healthy.', '  envoy:');
  dependsOn(
    lines,
    deployed.map((service) => service.name),
  );

  const databases = deployed.filter((service) => service.database);
  if (databases.length > 0) {
    lines.push(
      '',
      '  # Read by the init script (gen/deploy/mysql, mounted by docker-compose.yml) once, on an',
      '  # empty volume: one schema and one user per service with a database.',
      '  mysql:',
      '    environment:',
    );
    for (const service of databases) {
      const variable = service.database!.passwordVariable;
      lines.push(`      ${variable}: ${scalar(required(variable))}`);
    }
  }
  return [{ path: 'compose/services.yml', content: `${lines.join('\n')}\n` }];
}

// ---- .env -------------------------------------------------------------------------------

const ENV_LINE = /^([A-Z][A-Z0-9_]*)=(.*)$/;

/**
 * .env completed for the rendered files, as `npm run compose:env` writes it: from .env.example
 * when there is none (every empty value a fresh secret), otherwise the existing file with what
 * it lacks appended (an empty value filled in); either way every secret a service's block reads
 * (composeSecrets) that it lacks, generated so that the service accepts it. A value already
 * set is never changed.
 */
export function completeEnv(example: string, existing: string | undefined, secrets: ComposeSecret[]): { text: string; added: string[] } {
  const accepts = new Map(secrets.map((secret) => [secret.variable, secret.accepts]));
  const valueFor = (variable: string) => generateSecret(accepts.get(variable));
  const added: string[] = [];
  const fill = (line: string) => {
    const match = ENV_LINE.exec(line);
    if (!match || match[2] !== '') return line;
    added.push(match[1]);
    return `${match[1]}=${valueFor(match[1])}`;
  };
  const lines = (existing ?? example).replace(/\n$/, '').split('\n').map(fill);
  const present = new Set(lines.flatMap((line) => ENV_LINE.exec(line)?.[1] ?? []));
  const missing: string[] = [];
  if (existing !== undefined) {
    for (const line of example.split('\n')) {
      const match = ENV_LINE.exec(line);
      if (!match || present.has(match[1])) continue;
      present.add(match[1]);
      missing.push(fill(line));
      if (match[2] !== '') added.push(match[1]);
    }
  }
  const perService = secrets.filter((secret) => !present.has(secret.variable));
  if (perService.length > 0) {
    missing.push('# Secrets of the services (services/manifest.ts), added by npm run compose:env:');
    for (const secret of perService) {
      missing.push(`${secret.variable}=${generateSecret(secret.accepts)}`);
      added.push(secret.variable);
    }
  }
  if (missing.length > 0) lines.push('', ...missing);
  return { text: `${lines.join('\n')}\n`, added };
}
