import { z } from 'zod';
import { DEVELOPMENT_SECRETS, integer, serviceConfig } from '../../../platform/config';

export const paymentsConfig = serviceConfig({ grpcPort: 50054, metricsPort: 9454 }).extend({
  PAYMENTS_DB_NAME: z.string().default('shop_payments'),
  /** Consumer group; tests use their own. */
  PAYMENTS_CONSUMER_GROUP: z.string().min(1).default('payments'),
  /** Charge attempts for transient processor failures, first one included. */
  PAYMENT_MAX_ATTEMPTS: integer(z.number().min(1).max(10)).default(4),
  PAYMENT_RETRY_BASE_MS: integer(z.number().min(1)).default(50),
  /**
   * AES-256-GCM key for the payment tokens payment intents hold until the
   * charge (32 bytes, base64). Production must set its own (platform/config.ts).
   */
  PAYMENTS_TOKEN_KEY: z
    .string()
    .default(DEVELOPMENT_SECRETS.PAYMENTS_TOKEN_KEY)
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded'),
  /**
   * A payment intent whose OrderCreated has not come after this long (the
   * order was never written) loses its token. Longer than any event backlog
   * worth waiting for: an order charged later than this fails its payment.
   */
  PAYMENT_INTENT_TOKEN_TTL_HOURS: integer(
    z
      .number()
      .min(1)
      .max(24 * 30),
  ).default(24),
});

export type PaymentsConfig = z.infer<typeof paymentsConfig>;
