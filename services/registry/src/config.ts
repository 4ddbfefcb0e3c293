import { z } from 'zod';
import { csv, integer, serviceConfig } from '../../../platform/config';

export const registryConfig = serviceConfig({ grpcPort: 50050, metricsPort: 9450 }).extend({
  /**
   * Prefix of the registry's Redis keys. Registry instances that share it share
   * their view of the fleet; a second platform on the same Redis (npm start
   * with PORT_OFFSET, tests) uses its own.
   */
  REGISTRY_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:._-]*$/)
    .default('registry:'),
  /** How often instances heart-beat; one that stays silent for 3 intervals expires. */
  REGISTRY_HEARTBEAT_INTERVAL_SECONDS: integer(z.number().min(1).max(300)).default(5),
  /** Deadline of each probe of an instance (health check, reflection, /metrics). */
  REGISTRY_PROBE_TIMEOUT_MS: integer(z.number().min(50).max(30_000)).default(1_000),
  /** Instances probed at once. */
  REGISTRY_PROBE_CONCURRENCY: integer(z.number().min(1).max(256)).default(16),
  /** How long a health answer or a /metrics scrape is reused: reads in a burst cost one probe per instance. */
  REGISTRY_PROBE_CACHE_MS: integer(z.number().min(0).max(60_000)).default(2_000),
  /** Largest /metrics body read from an instance; a larger one is cut off and ignored. */
  REGISTRY_METRICS_MAX_BYTES: integer(
    z
      .number()
      .min(1_024)
      .max(64 * 1024 * 1024),
  ).default(2 * 1024 * 1024),
  /** CallMethod: deadline when the request names none, and the largest one it may name. */
  REGISTRY_CALL_TIMEOUT_MS: integer(z.number().min(10).max(300_000)).default(5_000),
  REGISTRY_CALL_MAX_TIMEOUT_MS: integer(z.number().min(10).max(300_000)).default(30_000),
  /** CallMethod on a server stream: the most messages returned. */
  REGISTRY_CALL_MAX_MESSAGES: integer(z.number().min(1).max(10_000)).default(100),
  /** The call log keeps at most this many entries per service, none older than the age below. */
  REGISTRY_CALL_LOG_MAX_ENTRIES: integer(z.number().min(1).max(100_000)).default(1_000),
  REGISTRY_CALL_LOG_MAX_AGE_SECONDS: integer(
    z
      .number()
      .min(1)
      .max(30 * 86_400),
  ).default(86_400),
  /**
   * gRPC servers that cannot register themselves (third-party ones):
   * `host:port` or `name=host:port`, comma-separated. The registry discovers
   * them at start, keeps them while they answer, and DiscoverServices with no
   * targets probes them again.
   */
  REGISTRY_DISCOVERY_ADDRESSES: csv.pipe(z.array(z.string().regex(/^([a-z][a-z0-9-]{0,62}=)?[^=,\s]+:\d{1,5}$/, 'host:port or name=host:port'))).default([]),
});

export type RegistryConfig = z.infer<typeof registryConfig>;
