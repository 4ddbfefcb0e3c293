import { randomUUID } from 'node:crypto';
import type { TypedClient } from '../../../platform/client';
import type { RpcError } from '../../../platform/errors';
import { registry } from '../../../platform/metrics';
import type { CatalogServiceService } from '../../../gen/ts/shop/catalog/v1/catalog';
import type { ServiceUnderTest } from '../../../test/support/service-under-test';
import type { catalogService } from '../src/service';

export type CatalogClient = TypedClient<typeof CatalogServiceService>;

/** The catalog under test (test/support/service-under-test.ts). */
export type RunningCatalog = ServiceUnderTest<typeof catalogService>;

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
