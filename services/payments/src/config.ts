import { z } from 'zod';
import { integer, serviceConfig } from '../../../platform/config';

export const paymentsConfig = serviceConfig({ grpcPort: 50054, metricsPort: 9454 }).extend({
  PAYMENTS_DB_NAME: z.string().default('shop_payments'),
  /** Consumer group; tests use their own. */
  PAYMENTS_CONSUMER_GROUP: z.string().min(1).default('payments'),
  /** Charge attempts for transient processor failures, first one included. */
  PAYMENT_MAX_ATTEMPTS: integer(z.number().min(1).max(10)).default(4),
  PAYMENT_RETRY_BASE_MS: integer(z.number().min(1)).default(50),
});

export type PaymentsConfig = z.infer<typeof paymentsConfig>;
