import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTokens } from '../../../platform/auth';
import { createClient, type CallOptions, type TypedClient } from '../../../platform/client';
import { RpcError } from '../../../platform/errors';
import { registry } from '../../../platform/metrics';
import type { RunningService } from '../../../platform/service-runtime';
import { CatalogServiceService } from '../../../gen/ts/shop/catalog/v1/catalog';
import { dropDatabases } from '../../../test/support/databases';
import { testConfig, testDatabase } from '../../../test/support/service-config';
import { catalogConfig, type CatalogConfig } from '../src/config';
import { startCatalog } from '../src/main';

export type CatalogClient = TypedClient<typeof CatalogServiceService>;

export interface RunningCatalog {
  config: CatalogConfig;
  service: RunningService;
  client: CatalogClient;
  /** Call options carrying a bearer token with the admin role. */
  asAdmin: CallOptions;
  asCustomer: CallOptions;
  /** A service token (role "service"), as orders calls ReserveStock with. */
  asService: CallOptions;
  stop(): Promise<void>;
}

/** The catalog in-process on its own fresh database, with a typed client. */
export async function startTestCatalog(overrides: Record<string, string> = {}): Promise<RunningCatalog> {
  const config = testConfig(catalogConfig, {
    CATALOG_DB_NAME: testDatabase('catalog'),
    CATALOG_CONSUMER_GROUP: `catalog-${randomUUID().slice(0, 8)}`,
    ...overrides,
  });
  const service = await startCatalog(config);
  const client = createClient(CatalogServiceService, { addresses: [service.address], deadlineMs: 3000 });
  const tokens = createTokens({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER });
  const bearer = async (roles: string[]) => ({
    metadata: { authorization: `Bearer ${(await tokens.issue({ userId: randomUUID(), roles })).token}` },
  });
  return {
    config,
    service,
    client,
    asAdmin: await bearer(['admin']),
    asCustomer: await bearer(['customer']),
    asService: await bearer(['service']),
    async stop() {
      client.close();
      await service.shutdown('test done');
      await dropDatabases(config.MYSQL_URL, [config.CATALOG_DB_NAME]);
    },
  };
}

/**
 * Redis connects in the background after start-up, and until it is ready the
 * cache is bypassed; tests that count cache hits wait for it.
 */
export async function untilRedisReady(catalog: RunningCatalog, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = (await (await fetch(`http://${catalog.config.GRPC_HOST}:${catalog.service.metricsPort}/healthz`)).json()) as {
      checks: { name: string; ok: boolean }[];
    };
    if (health.checks.some((c) => c.name === 'redis' && c.ok)) return;
    if (Date.now() > deadline) assert.fail(`redis not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export { rpcErrorOf as rpcError } from '../../../test/support/rpc-error';

export const violatedFields = (error: RpcError) => (error.details.fieldViolations ?? []).map((v) => v.field);

/** `cache_requests_total{cache, result}` of this process's registry. */
export async function cacheRequests(cache: 'catalog-products' | 'catalog-lists', result: 'hit' | 'miss' | 'error'): Promise<number> {
  const metric = registry.getSingleMetric('cache_requests_total');
  const values = metric ? (await metric.get()).values : [];
  return values.find((v) => v.labels.cache === cache && v.labels.result === result)?.value ?? 0;
}

/** A valid CreateProduct request; override what the test is about. */
export const aNewProduct = (fields: Partial<Parameters<CatalogClient['createProduct']>[0]> = {}) => ({
  name: `Truffle Fries ${randomUUID().slice(0, 8)}`,
  description: 'Crispy fries with truffle oil and parmesan.',
  category: 'sides',
  price: { currencyCode: 'EUR', amountMinor: '590' },
  stock: 25,
  tags: ['vegetarian', 'truffle'],
  imageUrl: 'https://images.example.com/truffle-fries.jpg',
  ...fields,
});
