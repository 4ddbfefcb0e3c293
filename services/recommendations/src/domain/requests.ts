import { Violations } from '../../../../platform/errors';
import type { FrequentlyBoughtTogetherRequest, SimilarProductsRequest } from '../../../../gen/ts/shop/recommendations/v1/recommendations';
import { isUuid } from '../../../../platform/ids';

export const LIMIT = { default: 5, max: 50 };
export const GIVEN_PRODUCTS_MAX = 20;

function checkLimit(v: Violations, limit: number): number {
  v.check(Number.isInteger(limit) && limit >= 0 && limit <= LIMIT.max, 'limit', `must be from 0 to ${LIMIT.max} (0 means ${LIMIT.default})`);
  return limit || LIMIT.default;
}

/** Product ids are compared, stored and cached lower-case, as catalog keeps them. */
export function parseSimilarRequest(req: SimilarProductsRequest): { productId: string; limit: number } {
  const v = new Violations();
  v.check(isUuid(req.productId), 'product_id', 'must be a product id (UUID)');
  const limit = checkLimit(v, req.limit);
  v.throwIfAny();
  return { productId: req.productId.toLowerCase(), limit };
}

/** The given products without repeats, in request order; every bad field is named. */
export function parseBoughtTogetherRequest(req: FrequentlyBoughtTogetherRequest): { productIds: string[]; limit: number } {
  const v = new Violations();
  v.check(req.productIds.length >= 1 && req.productIds.length <= GIVEN_PRODUCTS_MAX, 'product_ids', `must hold 1-${GIVEN_PRODUCTS_MAX} product ids`);
  req.productIds.forEach((id, i) => v.check(isUuid(id), `product_ids[${i}]`, 'must be a product id (UUID)'));
  const limit = checkLimit(v, req.limit);
  v.throwIfAny();
  return { productIds: [...new Set(req.productIds.map((id) => id.toLowerCase()))], limit };
}
