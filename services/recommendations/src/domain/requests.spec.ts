import assert from 'node:assert/strict';
import { Code, RpcError } from '../../../../platform/errors';
import { GIVEN_PRODUCTS_MAX, LIMIT, parseBoughtTogetherRequest, parseSimilarRequest } from './requests';

const ID = '0b6e5f3c-8d2a-5c1e-9f4b-2a7d6c8e1f30';
const OTHER = '7c1d2e3f-4a5b-5c6d-8e7f-9a0b1c2d3e4f';

function violations(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof RpcError);
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    return (error.details.fieldViolations ?? []).map((v) => v.field);
  }
  assert.fail('the request was accepted');
}

describe('recommendations/domain/requests', () => {
  describe('parseSimilarRequest', () => {
    it('reads limit 0 as the default and keeps ids lower-case', () => {
      assert.deepEqual(parseSimilarRequest({ productId: ID.toUpperCase(), limit: 0 }), { productId: ID, limit: LIMIT.default });
      assert.equal(parseSimilarRequest({ productId: ID, limit: LIMIT.max }).limit, LIMIT.max);
    });

    it('names every bad field at once', () => {
      assert.deepEqual(
        violations(() => parseSimilarRequest({ productId: 'pizza', limit: LIMIT.max + 1 })),
        ['product_id', 'limit'],
      );
      assert.deepEqual(
        violations(() => parseSimilarRequest({ productId: '', limit: -1 })),
        ['product_id', 'limit'],
      );
    });
  });

  describe('parseBoughtTogetherRequest', () => {
    it('drops repeated ids, whatever their case, keeping the request order', () => {
      assert.deepEqual(parseBoughtTogetherRequest({ productIds: [OTHER, ID, OTHER.toUpperCase()], limit: 3 }), { productIds: [OTHER, ID], limit: 3 });
    });

    it('needs 1 to 20 valid ids', () => {
      assert.deepEqual(
        violations(() => parseBoughtTogetherRequest({ productIds: [], limit: 0 })),
        ['product_ids'],
      );
      assert.deepEqual(
        violations(() => parseBoughtTogetherRequest({ productIds: Array(GIVEN_PRODUCTS_MAX + 1).fill(ID), limit: 0 })),
        ['product_ids'],
      );
      assert.deepEqual(
        violations(() => parseBoughtTogetherRequest({ productIds: [ID, 'nope'], limit: 51 })),
        ['product_ids[1]', 'limit'],
      );
    });
  });
});
