import type { z } from 'zod';
import type { baseConfig } from '../platform/config';
import type { AnyServiceSpec } from '../platform/service-spec';
import { catalogService } from './catalog/src/service';
import { gatewayConfig } from './gateway/src/config';
import { notificationsService } from './notifications/src/service';
import { ordersService } from './orders/src/service';
import { paymentsService } from './payments/src/service';
import { recommendationsService } from './recommendations/src/service';
import { registryService } from './registry/src/service';
import { usersService } from './users/src/service';

/**
 * Every service of the platform. A gRPC service is its spec
 * (services/<name>/src/service.ts); this list is the one place that names
 * them all, and everything here is derived from the specs: entry points,
 * whom each calls (so `<NAME>_ADDRESSES`), the start order. The launcher
 * (scripts/start.ts), the bench, the test platform and the deployment
 * checks (test/deploy) read it.
 */
const SPECS: AnyServiceSpec[] = [
  // First: every other service registers with it (REGISTRY_ADDRESSES, see scripts/start.ts).
  registryService,
  usersService,
  catalogService,
  paymentsService,
  ordersService,
  notificationsService,
  recommendationsService,
];

interface ManifestEntryBase {
  name: string;
  /** Entry point, relative to the repository root: services/<name>/src/main.ts. */
  main: string;
  /** Services it calls; the launcher passes `<NAME>_ADDRESSES` for each. */
  calls: string[];
}

/** A gRPC service (the default kind): GRPC_PORT, METRICS_PORT and the base settings. */
export interface GrpcServiceEntry extends ManifestEntryBase {
  kind: 'grpc';
  /** The service's config schema (its spec's): its defaults are the one source of ports and variables. */
  config: z.ZodType<z.infer<typeof baseConfig>>;
  spec: AnyServiceSpec;
}

/** An HTTP edge that serves no gRPC of its own (the gateway): HTTP_PORT and METRICS_PORT. */
export interface HttpServiceEntry extends ManifestEntryBase {
  kind: 'http';
  config: z.ZodType<{ HTTP_PORT: number; METRICS_PORT: number }>;
}

export type ServiceManifestEntry = GrpcServiceEntry | HttpServiceEntry;

export const isGrpcService = (entry: ServiceManifestEntry): entry is GrpcServiceEntry => entry.kind === 'grpc';

/** An entry's default ports, from its own config schema. */
export function defaultPorts(entry: ServiceManifestEntry): { grpc?: number; http?: number; metrics: number } {
  if (isGrpcService(entry)) {
    const defaults = entry.config.parse({});
    return { grpc: defaults.GRPC_PORT, metrics: defaults.METRICS_PORT };
  }
  const defaults = entry.config.parse({});
  return { http: defaults.HTTP_PORT, metrics: defaults.METRICS_PORT };
}

const mainOf = (name: string) => `services/${name}/src/main.ts`;

/** The specs with every callee before its callers, otherwise in the order listed. */
export function inStartOrder(specs: AnyServiceSpec[]): AnyServiceSpec[] {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const ordered: AnyServiceSpec[] = [];
  const visiting = new Set<string>();
  const visit = (spec: AnyServiceSpec) => {
    if (ordered.includes(spec)) return;
    if (visiting.has(spec.name)) throw new Error(`services/manifest.ts: ${spec.name} is in a call cycle`);
    visiting.add(spec.name);
    for (const callee of Object.keys(spec.calls)) {
      const found = byName.get(callee);
      if (!found) throw new Error(`services/manifest.ts: ${spec.name} calls ${callee}, which is not listed`);
      visit(found);
    }
    ordered.push(spec);
  };
  specs.forEach(visit);
  return ordered;
}

const GRPC_SERVICES: GrpcServiceEntry[] = inStartOrder(SPECS).map((spec) => ({
  kind: 'grpc',
  name: spec.name,
  config: spec.config as unknown as GrpcServiceEntry['config'],
  main: mainOf(spec.name),
  calls: Object.keys(spec.calls),
  spec,
}));

/** Every service of the platform, in start order: the edge last, fronting every gRPC service. */
export const SERVICES: ServiceManifestEntry[] = [
  ...GRPC_SERVICES,
  { name: 'gateway', kind: 'http', config: gatewayConfig, main: mainOf('gateway'), calls: GRPC_SERVICES.map((s) => s.name) },
];
