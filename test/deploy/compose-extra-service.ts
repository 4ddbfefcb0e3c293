/**
 * The proof that adding a service touches no deployment file: a made-up service, declared
 * the way a real one is (a spec: name, config schema with its ports, a database, Redis, a
 * callee, a secret of its own), added to the manifest's list. The renderers take that list
 * and must give it everything a listed service gets.
 */
import { z } from 'zod';
import { CatalogServiceService } from '../../gen/ts/shop/catalog/v1/catalog';
import { serviceConfig } from '../../platform/config';
import { defineServiceSpec } from '../../platform/service-spec';
import { isGrpcService, SERVICES, type GrpcServiceEntry, type ServiceManifestEntry } from '../../services/manifest';

export const EXTRA = { name: 'wishlist', grpcPort: 50057, metricsPort: 9457, schema: 'shop_wishlist', callee: 'catalog', secret: 'WISHLIST_SHARE_KEY' };

const wishlistSpec = defineServiceSpec({
  name: EXTRA.name,
  config: serviceConfig({ grpcPort: EXTRA.grpcPort, metricsPort: EXTRA.metricsPort }).extend({
    WISHLIST_DB_NAME: z.string().default(EXTRA.schema),
    /** Signs shared wishlist links: a secret of its own, 32 bytes in base64. */
    WISHLIST_SHARE_KEY: z
      .string()
      .default('ZGV2LW9ubHktd2lzaGxpc3Qtc2hhcmUta2V5LTMyYiE=')
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded'),
  }),
  needs: { database: { migrationsDir: '/nonexistent' }, redis: true },
  calls: { [EXTRA.callee]: CatalogServiceService },
  build: () => {
    throw new Error('a made-up service: rendered, never run');
  },
});

const wishlist: GrpcServiceEntry = {
  kind: 'grpc',
  name: EXTRA.name,
  config: wishlistSpec.config as unknown as GrpcServiceEntry['config'],
  main: `services/${EXTRA.name}/src/main.ts`,
  calls: Object.keys(wishlistSpec.calls),
  spec: wishlistSpec,
};

/** The manifest's list with the made-up service among the gRPC services; the edge fronts it too, as it fronts every one. */
export function servicesWithExtra(): ServiceManifestEntry[] {
  const grpc = SERVICES.filter(isGrpcService);
  const edges = SERVICES.filter((entry) => !isGrpcService(entry));
  return [...grpc, wishlist, ...edges.map((edge) => ({ ...edge, calls: [...edge.calls, EXTRA.name] }))];
}
