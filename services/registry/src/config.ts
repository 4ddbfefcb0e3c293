import { z } from 'zod';
import { integer, serviceConfig } from '../../../platform/config';

export const registryConfig = serviceConfig({ grpcPort: 50050, metricsPort: 9450 }).extend({
  /**
   * Prefix of the registry's Redis keys. Registry instances that share it share
   * their view of the fleet; a second platform on the same Redis (npm start
   * with PORT_OFFSET, tests) uses its own.
   */
  REGISTRY_KEY_PREFIX: z.string().regex(/^[a-zA-Z0-9:._-]*$/).default('registry:'),
  /** How often instances heart-beat; one that stays silent for 3 intervals expires. */
  REGISTRY_HEARTBEAT_INTERVAL_SECONDS: integer(z.number().min(1).max(300)).default(5),
  /** Deadline of each probe of an instance (health check, reflection, /metrics). */
  REGISTRY_PROBE_TIMEOUT_MS: integer(z.number().min(50).max(30_000)).default(1_000),
  /** Instances probed at once. */
  REGISTRY_PROBE_CONCURRENCY: integer(z.number().min(1).max(256)).default(16),
});

export type RegistryConfig = z.infer<typeof registryConfig>;
