import { join } from 'node:path';
import { z } from 'zod';
import { baseConfig, csv, integer } from '../../../platform/config';

/** Every service the edge fronts, by manifest name: each reads `<NAME>_ADDRESSES`. */
export const FRONTED_SERVICES = ['users', 'catalog', 'orders', 'payments', 'notifications', 'recommendations', 'registry'] as const;

const port = baseConfig.shape.METRICS_PORT;
/** host:port list; empty means the service is not reachable from this edge (its routes answer 503). */
const addresses = csv.default([]);

/**
 * The gateway is an HTTP edge, not a gRPC service: of the base settings it
 * keeps logging, shutdown and the status port; its own port is HTTP_PORT
 * (the launcher sets it like GRPC_PORT for the others).
 */
export const gatewayConfig = baseConfig
  .pick({ NODE_ENV: true, LOG_LEVEL: true, SHUTDOWN_GRACE_MS: true })
  .extend({
    /** Address the REST / Connect / gRPC-Web port and the status port bind. */
    HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    HTTP_PORT: port.default(8080),
    /** /metrics and /healthz for Prometheus and orchestrators. */
    METRICS_PORT: port.default(9460),
    /** Deadline of each unary upstream call; Envoy's route timeout is the same 15 s. */
    CLIENT_DEADLINE_MS: integer(z.number().min(1)).default(15_000),
    /** Larger request bodies get 413, like Envoy's transcoder max_request_body_size. */
    GATEWAY_MAX_BODY_BYTES: integer(z.number().min(1)).default(1024 * 1024),
    /** Token bucket per client address: sustained requests per second (0 turns the limit off) ... */
    GATEWAY_RATE_LIMIT_RPS: integer(z.number().min(0)).default(50),
    /** ... and how many may come at once. */
    GATEWAY_RATE_LIMIT_BURST: integer(z.number().min(1)).default(100),
    /** Take the client address from X-Forwarded-For (only behind a proxy you trust). */
    GATEWAY_TRUST_PROXY: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
    /** Origins allowed by CORS; `*` allows any. */
    GATEWAY_CORS_ORIGINS: csv.default(['*']),
    /** Static files served at / (the storefront) when the folder exists. */
    GATEWAY_PUBLIC_DIR: z.string().min(1).default(join(__dirname, '..', 'public')),
    USERS_ADDRESSES: addresses,
    CATALOG_ADDRESSES: addresses,
    ORDERS_ADDRESSES: addresses,
    PAYMENTS_ADDRESSES: addresses,
    NOTIFICATIONS_ADDRESSES: addresses,
    RECOMMENDATIONS_ADDRESSES: addresses,
    REGISTRY_ADDRESSES: addresses,
  });

export type GatewayConfig = z.infer<typeof gatewayConfig>;

export function upstreamAddresses(config: GatewayConfig, service: string): string[] {
  const key = `${service.toUpperCase()}_ADDRESSES` as keyof GatewayConfig;
  const value = config[key];
  return Array.isArray(value) ? value : [];
}
