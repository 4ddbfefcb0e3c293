import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { loadConfig } from '../../platform/config';

/**
 * A service configuration for in-process tests: free ports, silent logs (set
 * TEST_LOG_LEVEL=debug to see them) and
 * overrides on top of the defaults of this machine.
 */
export function testConfig<S extends z.ZodType>(schema: S, overrides: Record<string, string> = {}): z.infer<S> {
  return loadConfig(schema, {
    ...process.env,
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SHUTDOWN_GRACE_MS: '1000',
    ...overrides,
  });
}

/** A database name of its own for one test file, so runs never share state. */
export function testDatabase(service: string): string {
  return `test_${service}_${randomBytes(4).toString('hex')}`;
}
