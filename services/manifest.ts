import type { z } from 'zod';
import type { baseConfig } from '../platform/config';
import { catalogConfig } from './catalog/src/config';
import { ordersConfig } from './orders/src/config';
import { paymentsConfig } from './payments/src/config';
import { usersConfig } from './users/src/config';

export interface ServiceManifestEntry {
  name: string;
  /** The service's config schema: its defaults are the one source of ports and variables. */
  config: z.ZodType<z.infer<typeof baseConfig>>;
  /** Entry point, relative to the repository root. */
  main: string;
  /** Services it calls; the launcher passes `<NAME>_ADDRESSES` for each. */
  calls: string[];
}

/** Every service of the platform, in start order (callees before callers). */
export const SERVICES: ServiceManifestEntry[] = [
  { name: 'users', config: usersConfig, main: 'services/users/src/main.ts', calls: [] },
  { name: 'catalog', config: catalogConfig, main: 'services/catalog/src/main.ts', calls: [] },
  { name: 'orders', config: ordersConfig, main: 'services/orders/src/main.ts', calls: ['users', 'catalog'] },
  { name: 'payments', config: paymentsConfig, main: 'services/payments/src/main.ts', calls: [] },
];
