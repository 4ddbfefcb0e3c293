import type { z } from 'zod';
import type { baseConfig } from '../platform/config';
import { catalogConfig } from './catalog/src/config';
import { FRONTED_SERVICES, gatewayConfig } from './gateway/src/config';
import { notificationsConfig } from './notifications/src/config';
import { ordersConfig } from './orders/src/config';
import { paymentsConfig } from './payments/src/config';
import { recommendationsConfig } from './recommendations/src/config';
import { registryConfig } from './registry/src/config';
import { usersConfig } from './users/src/config';

interface ManifestEntryBase {
  name: string;
  /** Entry point, relative to the repository root. */
  main: string;
  /** Services it calls; the launcher passes `<NAME>_ADDRESSES` for each. */
  calls: string[];
}

/** A gRPC service (the default kind): GRPC_PORT, METRICS_PORT and the base settings. */
export interface GrpcServiceEntry extends ManifestEntryBase {
  kind?: 'grpc';
  /** The service's config schema: its defaults are the one source of ports and variables. */
  config: z.ZodType<z.infer<typeof baseConfig>>;
}

/** An HTTP edge that serves no gRPC of its own (the gateway): HTTP_PORT and METRICS_PORT. */
export interface HttpServiceEntry extends ManifestEntryBase {
  kind: 'http';
  config: z.ZodType<{ HTTP_PORT: number; METRICS_PORT: number }>;
}

export type ServiceManifestEntry = GrpcServiceEntry | HttpServiceEntry;

export const isGrpcService = (entry: ServiceManifestEntry): entry is GrpcServiceEntry => entry.kind !== 'http';

/** An entry's default ports, from its own config schema. */
export function defaultPorts(entry: ServiceManifestEntry): { grpc?: number; http?: number; metrics: number } {
  if (isGrpcService(entry)) {
    const defaults = entry.config.parse({});
    return { grpc: defaults.GRPC_PORT, metrics: defaults.METRICS_PORT };
  }
  const defaults = entry.config.parse({});
  return { http: defaults.HTTP_PORT, metrics: defaults.METRICS_PORT };
}

/** The gRPC services, in start order (callees before callers). */
const GRPC_SERVICES: GrpcServiceEntry[] = [
  // First: every other service registers with it (REGISTRY_ADDRESSES, see scripts/start.ts).
  { name: 'registry', config: registryConfig, main: 'services/registry/src/main.ts', calls: [] },
  { name: 'users', config: usersConfig, main: 'services/users/src/main.ts', calls: [] },
  { name: 'catalog', config: catalogConfig, main: 'services/catalog/src/main.ts', calls: [] },
  { name: 'payments', config: paymentsConfig, main: 'services/payments/src/main.ts', calls: [] },
  // Calls payments (CreatePaymentIntent) at CreateOrder: started after it.
  { name: 'orders', config: ordersConfig, main: 'services/orders/src/main.ts', calls: ['users', 'catalog', 'payments'] },
  { name: 'notifications', config: notificationsConfig, main: 'services/notifications/src/main.ts', calls: [] },
  { name: 'recommendations', config: recommendationsConfig, main: 'services/recommendations/src/main.ts', calls: ['catalog'] },
];

/** Every service of the platform, in start order: the edge last, fronting each gRPC service that exists. */
export const SERVICES: ServiceManifestEntry[] = [
  ...GRPC_SERVICES,
  {
    name: 'gateway',
    kind: 'http',
    config: gatewayConfig,
    main: 'services/gateway/src/main.ts',
    calls: GRPC_SERVICES.map((s) => s.name).filter((name) => (FRONTED_SERVICES as readonly string[]).includes(name)),
  },
];
