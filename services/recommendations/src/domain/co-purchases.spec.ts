import assert from 'node:assert/strict';
import { coPurchasePairs } from './co-purchases';

describe('recommendations/domain/co-purchases', () => {
  it('counts every pair of distinct products of an order, both ways', () => {
    assert.deepEqual(coPurchasePairs(['b', 'a', 'c']), [
      { productId: 'a', otherId: 'b' },
      { productId: 'a', otherId: 'c' },
      { productId: 'b', otherId: 'a' },
      { productId: 'b', otherId: 'c' },
      { productId: 'c', otherId: 'a' },
      { productId: 'c', otherId: 'b' },
    ]);
  });

  it('counts a product bought twice in one order (or in two lines) once', () => {
    assert.deepEqual(coPurchasePairs(['a', 'B', 'b', 'A ']), [
      { productId: 'a', otherId: 'b' },
      { productId: 'b', otherId: 'a' },
    ]);
  });

  it('finds nothing bought together in an order of one product', () => {
    assert.deepEqual(coPurchasePairs(['a']), []);
    assert.deepEqual(coPurchasePairs(['a', 'a']), []);
    assert.deepEqual(coPurchasePairs([]), []);
  });

  it('grows as n(n-1) pairs', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `p${i}`);
    assert.equal(coPurchasePairs(ids).length, 50 * 49);
  });
});
