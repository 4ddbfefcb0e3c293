import { z } from 'zod';
import { DEVELOPMENT_SECRETS, integer, serviceConfig } from '../../../platform/config';

export const usersConfig = serviceConfig({ grpcPort: 50051, metricsPort: 9451 }).extend({
  USERS_DB_NAME: z.string().default('shop_users'),
  /**
   * 32 random bytes, base64, for AES-256-GCM of phone and address. The default
   * is for development only: production refuses it (see .env.example).
   */
  PII_ENCRYPTION_KEY: z
    .string()
    .default(DEVELOPMENT_SECRETS.PII_ENCRYPTION_KEY)
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded'),
  TOKEN_TTL_SECONDS: integer(z.number().min(60).max(7 * 24 * 3600)).default(3600),
});

export type UsersConfig = z.infer<typeof usersConfig>;
