import { join } from 'node:path';
import { z } from 'zod';
import { baseConfig, csv, integer } from '../../../platform/config';
import { addressesVariable } from '../../../platform/service-spec';

const port = baseConfig.shape.METRICS_PORT;
/**
 * Loose: the `<NAME>_ADDRESSES` of each service the edge fronts (its manifest
 * name, from the descriptor set: serviceKey in contracts.ts) are kept as they
 * come and read by upstreamAddresses; the services are the contracts', not a
 * list kept here.
 */
const edgeBase = baseConfig.pick({ NODE_ENV: true, LOG_LEVEL: true, SHUTDOWN_GRACE_MS: true }).loose();

/**
 * The gateway is an HTTP edge, not a gRPC service: of the base settings it
 * keeps logging, shutdown and the status port; its own port is HTTP_PORT
 * (the launcher sets it like GRPC_PORT for the others).
 */
export const gatewayConfig = edgeBase.extend({
  /** Address the REST / Connect / gRPC-Web port and the status port bind. */
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(8080),
  /** /metrics and /healthz for Prometheus and orchestrators. */
  METRICS_PORT: port.default(9460),
  /** Deadline of each unary upstream call; Envoy's route timeout is the same 15 s. */
  CLIENT_DEADLINE_MS: integer(z.number().min(1)).default(15_000),
  /**
   * The Envoy bootstrap whose grpc_json_transcoder settings (filter and per
   * route) and local_reply_config the gateway follows: one configuration for
   * both edges. Its proto_descriptor path is Envoy's (in the container); the
   * gateway reads GATEWAY_DESCRIPTOR_SET.
   */
  GATEWAY_ENVOY_CONFIG: z
    .string()
    .min(1)
    .default(join(__dirname, '..', '..', '..', 'envoy', 'envoy.yaml')),
  /** The FileDescriptorSet to serve (imports included); shopmesh's own by default. */
  GATEWAY_DESCRIPTOR_SET: z.string().min(1).optional(),
  /**
   * How often host names among the upstream addresses are resolved again
   * (Envoy's dns_refresh_rate): a name stands for every address it resolves
   * to (a Kubernetes headless Service: every ready pod), and calls go
   * round-robin over all of them.
   */
  GATEWAY_DNS_REFRESH_MS: integer(z.number().min(100)).default(5_000),
  /**
   * Upstreams of services outside shopmesh's manifest, or overrides:
   * `<package>.<Service>=host:port|host:port,...`. A service named here
   * ignores its <NAME>_ADDRESSES.
   */
  GATEWAY_UPSTREAMS: csv.default([]).pipe(z.array(z.string().regex(/^[\w.]+=[^=|]+(\|[^=|]+)*$/, 'expected <package>.<Service>=host:port|host:port'))),
  /** Token bucket per client address: sustained requests per second (0 turns the limit off) ... */
  GATEWAY_RATE_LIMIT_RPS: integer(z.number().min(0)).default(50),
  /** ... and how many may come at once. */
  GATEWAY_RATE_LIMIT_BURST: integer(z.number().min(1)).default(100),
  /**
   * Proxies in front of the gateway that append the address they saw to
   * X-Forwarded-For (Envoy's xff_num_trusted_hops): the client is the entry
   * this many places from the right. 0 uses the socket's peer; entries a
   * client wrote itself (further left) are never read.
   */
  GATEWAY_TRUSTED_PROXY_HOPS: integer(z.number().min(0).max(10)).default(0),
  /**
   * Where the per-client buckets live: "redis" shares them between every
   * gateway replica (REDIS_URL); "memory" keeps them in this process.
   */
  GATEWAY_RATE_LIMIT_STORE: z.enum(['redis', 'memory']).default('redis'),
  /**
   * Prefix of the buckets' Redis keys (`<prefix><client address>`): every
   * replica of one deployment shares it; another deployment on the same Redis
   * (a copy with PORT_OFFSET, a test platform) uses its own.
   */
  GATEWAY_RATE_LIMIT_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:._-]*$/)
    .default('gateway:ratelimit:'),
  REDIS_URL: baseConfig.shape.REDIS_URL,
  /** Origins allowed by CORS; `*` allows any. */
  GATEWAY_CORS_ORIGINS: csv.default(['*']),
  /** Static files served at / (the storefront) when the folder exists. */
  GATEWAY_PUBLIC_DIR: z
    .string()
    .min(1)
    .default(join(__dirname, '..', 'public')),
});

export type GatewayConfig = z.infer<typeof gatewayConfig>;

/**
 * Addresses of a service: GATEWAY_UPSTREAMS by full name first, then
 * `<NAME>_ADDRESSES` by manifest name (host:port, comma-separated); empty
 * means it is not reachable from this edge (its routes answer 503).
 */
export function upstreamAddresses(config: GatewayConfig, service: string, typeName?: string): string[] {
  const named = typeName && config.GATEWAY_UPSTREAMS.find((entry) => entry.slice(0, entry.indexOf('=')) === typeName);
  if (named)
    return named
      .slice(named.indexOf('=') + 1)
      .split('|')
      .map((a) => a.trim())
      .filter(Boolean);
  const value = config[addressesVariable(service)];
  return typeof value === 'string' ? csv.parse(value) : Array.isArray(value) ? value : [];
}
