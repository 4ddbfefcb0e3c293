import { z } from 'zod';
import { DEVELOPMENT_SECRETS, integer, serviceConfig } from '../../../platform/config';
import { piiKeyring } from './domain/pii-cipher';

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
  /**
   * Key rotation (docs/security.md): `id=base64,id=base64`, 32 bytes each. The first encrypts
   * new values; every listed key, and PII_ENCRYPTION_KEY as id `legacy`, still decrypts.
   * Empty: PII_ENCRYPTION_KEY alone, for reading and writing.
   */
  PII_ENCRYPTION_KEYS: z
    .string()
    .default('')
    .superRefine((value, ctx) => {
      try {
        piiKeyring(DEVELOPMENT_SECRETS.PII_ENCRYPTION_KEY, value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  TOKEN_TTL_SECONDS: integer(
    z
      .number()
      .min(60)
      .max(7 * 24 * 3600),
  ).default(3600),
});

export type UsersConfig = z.infer<typeof usersConfig>;
