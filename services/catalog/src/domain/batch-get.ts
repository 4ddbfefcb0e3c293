import { Code, RpcError, Violations } from '../../../../platform/errors';
import type { Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { isProductId } from './product-id';

export const BATCH_MAX = 100;

/** Lower-case ids in request order, duplicates kept; every bad id is named. */
export function parseBatchIds(ids: string[]): string[] {
  const v = new Violations();
  v.check(ids.length >= 1 && ids.length <= BATCH_MAX, 'ids', `must hold 1-${BATCH_MAX} product ids`);
  ids.forEach((id, i) => v.check(isProductId(id), `ids[${i}]`, 'must be a product id (UUID)'));
  v.throwIfAny();
  return ids.map((id) => id.toLowerCase());
}

/** The products in request order, or NOT_FOUND naming every missing id. */
export function inRequestOrder(ids: string[], found: Map<string, Product>): Product[] {
  const missing = [...new Set(ids.filter((id) => !found.has(id)))];
  if (missing.length) throw productsNotFound(missing);
  return ids.map((id) => found.get(id)!);
}

/**
 * ResourceInfo can name one resource, so it names the first; ErrorInfo's
 * metadata lists them all for clients that want to drop the missing ids and retry.
 */
export function productsNotFound(missing: string[]): RpcError {
  return new RpcError(Code.NOT_FOUND, `products not found: ${missing.join(', ')}`, {
    reason: 'PRODUCT_NOT_FOUND',
    metadata: { missing_ids: missing.join(',') },
    resource: { type: 'product', name: missing[0] },
  });
}
