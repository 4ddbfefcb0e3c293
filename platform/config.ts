import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { csv, integer } from './env-values';
import { eventSettings } from './events/settings';

export { csv, integer };

const port = integer(z.number().min(0).max(65535));

/**
 * Secrets whose development defaults are published in this repository. With
 * NODE_ENV=production a service refuses to start while any of them is still
 * at its default (i.e. unset): a token signed with a published key is a token
 * anyone can sign.
 */
export const DEVELOPMENT_SECRETS = {
  JWT_SECRET: 'dev-only-secret-change-me-0123456789abcdef',
  PII_ENCRYPTION_KEY: 'ZGV2LW9ubHkta2V5LWNoYW5nZS1tZS0zMi1ieXRlcyE=',
  PAYMENTS_TOKEN_KEY: 'ZGV2LW9ubHktcGF5bWVudHMtdG9rZW4ta2V5LTMyYiE=',
} as const;

/** The platform's version (package.json), the default of SERVICE_VERSION. */
function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version ?? '0.1.0';
  } catch {
    return '0.1.0';
  }
}

/**
 * Settings every service reads. A service extends this with its own fields
 * (`baseConfig.extend({...})`) and calls `loadConfig` once in main.ts.
 * Defaults work on a development machine with MariaDB, Redis and the project's
 * Kafka script running on 127.0.0.1.
 */
export const baseConfig = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRPC_HOST: z.string().min(1).default('127.0.0.1'),
  /** Port of the gRPC server; 0 picks a free one (tests). */
  GRPC_PORT: port,
  /** Port of the small HTTP server with /metrics and /healthz; 0 picks a free one. */
  METRICS_PORT: port,
  MYSQL_URL: z.url({ protocol: /^mysql$/ }).default('mysql://root@127.0.0.1:3306'),
  MYSQL_POOL_MAX: integer(z.number().min(1).max(100)).default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  /**
   * Prepended to every topic this service produces to or consumes from, so
   * several environments (or test runs) can share one cluster. Empty in
   * production.
   */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
  /** HS256 secret shared by the issuer (users) and every verifier. At least 32 bytes. */
  JWT_SECRET: z.string().min(32).default(DEVELOPMENT_SECRETS.JWT_SECRET),
  JWT_ISSUER: z.string().min(1).default('shopmesh'),
  /** Bound on draining in-flight calls at shutdown before the rest are cancelled. */
  SHUTDOWN_GRACE_MS: integer(z.number().min(0)).default(10_000),
  /** Default deadline of every outbound gRPC call. */
  CLIENT_DEADLINE_MS: integer(z.number().min(1)).default(3_000),
  // Service registry (services/registry, docs/registry.md).
  /** host:port of the registry; empty turns registration and registry-resolved clients off. */
  REGISTRY_ADDRESSES: csv.default([]),
  /** The version this instance registers with. */
  SERVICE_VERSION: z.string().min(1).max(64).default(packageVersion()),
  /**
   * Host name or IP that other services dial to reach this instance, as
   * registered. Empty: GRPC_HOST, or when that is a wildcard (0.0.0.0 in a
   * container) this machine's first non-loopback IPv4 address. Not named
   * `*_HOST`: those are listen addresses (deploy/render/model.ts).
   */
  ADVERTISED_HOSTNAME: z
    .string()
    .regex(/^[a-zA-Z0-9.:_-]*$/)
    .default(''),
  /**
   * Share of this service's outbound calls reported to the registry's call
   * log (platform/call-reporting.ts): 0 turns reporting off, 1 reports all.
   */
  REGISTRY_CALL_SAMPLE_RATE: z
    .preprocess((value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value), z.number().min(0).max(1))
    .default(0.1),
  ...eventSettings,
});

export type BaseConfig = z.infer<typeof baseConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment against a schema; the error names every bad variable
 * (one line when there is one problem, so the log line says it all).
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  const problems = parsed.success
    ? developmentSecretsIn(parsed.data as Record<string, unknown>)
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  if (parsed.success && problems.length === 0) return parsed.data;
  throw new ConfigError(
    problems.length === 1 ? `invalid configuration: ${problems[0]}` : `invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`,
  );
}

/** Settings that list several keys (`id=value,...`): none of them may be a development default either. */
const SECRET_LISTS: Record<string, keyof typeof DEVELOPMENT_SECRETS> = { PII_ENCRYPTION_KEYS: 'PII_ENCRYPTION_KEY' };

/** In production, the settings still holding a published development secret. */
function developmentSecretsIn(config: Record<string, unknown>): string[] {
  if (config.NODE_ENV !== 'production') return [];
  const single = Object.entries(DEVELOPMENT_SECRETS)
    .filter(([name, value]) => config[name] === value)
    .map(([name]) => `${name}: must be set in production; the development default is published in the repository`);
  const listed = Object.entries(SECRET_LISTS)
    .filter(
      ([name, secret]) =>
        typeof config[name] === 'string' &&
        (config[name] as string).split(',').some((entry) => entry.slice(entry.indexOf('=') + 1).trim() === DEVELOPMENT_SECRETS[secret]),
    )
    .map(([name]) => `${name}: lists the development key published in the repository`);
  return [...single, ...listed];
}

/** The base settings with this service's default ports. */
export function serviceConfig(defaults: { grpcPort: number; metricsPort: number }) {
  return baseConfig.extend({
    GRPC_PORT: port.default(defaults.grpcPort),
    METRICS_PORT: port.default(defaults.metricsPort),
  });
}
