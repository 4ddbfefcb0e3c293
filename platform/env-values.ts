import { z } from 'zod';

/**
 * A whole number from an environment variable. Unlike `z.coerce.number()` an
 * empty value is refused rather than read as 0 (`GRPC_PORT=` in a compose file
 * must not bind a random port, nor `SHUTDOWN_GRACE_MS=` turn draining off).
 */
export const integer = (schema: z.ZodNumber) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value), schema.int());

/** Comma-separated lists in env vars. */
export const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
