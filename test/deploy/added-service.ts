/**
 * A made-up service added the way a real one is: a spec (services/<name>/src/service.ts)
 * listed in services/manifest.ts. The deployment tests render with it, and every rendered
 * file must carry it and pass the same checks as the real services: the proof that adding a
 * service touches no deployment file.
 */
import { z } from 'zod';
import { type DeployEntry, deployEntryOfSpec, MANIFEST_ENTRIES } from '../../deploy/render/model';
import { serviceConfig } from '../../platform/config';
import { defineServiceSpec } from '../../platform/service-spec';
import { recommendationsService } from '../../services/recommendations/src/service';

/** Wishlists: a database, a cache, events consumed, a secret of its own, and calls to catalog. */
export const wishlistService = defineServiceSpec({
  name: 'wishlist',
  config: serviceConfig({ grpcPort: 50057, metricsPort: 9457 }).extend({
    WISHLIST_DB_NAME: z.string().default('shop_wishlist'),
    WISHLIST_CONSUMER_GROUP: z.string().min(1).default('wishlist'),
    /** Signs shared-list links; a development value by default, like every secret. */
    WISHLIST_SHARE_KEY: z.string().default('dev-only-wishlist-share-key-0123456789'),
  }),
  needs: { database: { migrationsDir: '/nonexistent/wishlist/migrations' }, redis: true, consumer: true },
  calls: { catalog: recommendationsService.calls.catalog },
  build: () => {
    throw new Error('a made-up service: rendered, never run');
  },
});

export const ADDED = deployEntryOfSpec(wishlistService);

/**
 * The manifest's entries with the made-up service listed, as services/manifest.ts lists a
 * spec: and the edge (the gateway) fronts every gRPC service, so it calls that one too.
 */
export const ENTRIES_WITH_ADDED: DeployEntry[] = [
  ...MANIFEST_ENTRIES.map((entry) => (entry.kind === 'http' ? { ...entry, calls: [...entry.calls, ADDED.name] } : entry)),
  ADDED,
];
