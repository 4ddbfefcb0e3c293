import assert from 'node:assert/strict';
import { boughtTogether, mergeSimilar, REASON } from './bought-together';
import { aProduct } from '../../test/a-product';

describe('recommendations/domain/bought-together', () => {
  const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((name) => aProduct({ name }));

  it('keeps each similar candidate once, at its best score, best first', () => {
    const merged = mergeSimilar([
      [
        { product: c, score: 0.7 },
        { product: d, score: 0.2 },
      ],
      [
        { product: d, score: 0.9 },
        { product: c, score: 0.1 },
      ],
    ]);
    assert.deepEqual(
      merged.map((s) => [s.product.name, s.score]),
      [
        ['d', 0.9],
        ['c', 0.7],
      ],
    );
  });

  it('ranks co-purchases by count, scored by count', () => {
    const picked = boughtTogether(
      [a.id],
      [
        { product: b, count: 7 },
        { product: c, count: 2 },
      ],
      [],
      5,
    );
    assert.deepEqual(
      picked.map((r) => [r.product!.name, r.score, r.reason]),
      [
        ['b', 7, REASON.coPurchase],
        ['c', 2, REASON.coPurchase],
      ],
    );
  });

  it('falls back to similar products when there is no history', () => {
    const picked = boughtTogether(
      [a.id],
      [],
      [
        [
          { product: b, score: 0.8 },
          { product: c, score: 0.6 },
        ],
      ],
      5,
    );
    assert.deepEqual(
      picked.map((r) => [r.product!.name, r.score, r.reason]),
      [
        ['b', 0.8, REASON.similar],
        ['c', 0.6, REASON.similar],
      ],
    );
  });

  it('fills up to the limit with similar products, never repeating a co-purchased one', () => {
    const picked = boughtTogether(
      [a.id],
      [{ product: b, count: 3 }],
      [
        [
          { product: b, score: 0.9 },
          { product: c, score: 0.8 },
          { product: d, score: 0.7 },
        ],
      ],
      3,
    );
    assert.deepEqual(
      picked.map((r) => [r.product!.name, r.reason]),
      [
        ['b', REASON.coPurchase],
        ['c', REASON.similar],
        ['d', REASON.similar],
      ],
    );
  });

  it('never recommends one of the given products', () => {
    const picked = boughtTogether(
      [a.id, b.id],
      [
        { product: b, count: 4 },
        { product: c, count: 1 },
      ],
      [
        [
          { product: a, score: 0.9 },
          { product: e, score: 0.5 },
        ],
      ],
      5,
    );
    assert.deepEqual(
      picked.map((r) => r.product!.name),
      ['c', 'e'],
    );
  });

  it('stops at the limit, co-purchases first', () => {
    const picked = boughtTogether(
      [a.id],
      [
        { product: b, count: 2 },
        { product: c, count: 1 },
      ],
      [[{ product: d, score: 0.9 }]],
      1,
    );
    assert.deepEqual(
      picked.map((r) => r.product!.name),
      ['b'],
    );
  });
});
