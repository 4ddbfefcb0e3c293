import assert from 'node:assert/strict';
import type { Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { applyChanges, categoryNameOf, newProduct } from './product';

const created = new Date('2026-01-01T00:00:00Z');
const later = new Date('2026-02-01T00:00:00Z');
const product: Product = newProduct(
  'p1',
  {
    name: 'Cola',
    description: 'Fizzy',
    category: 'drinks',
    price: { currencyCode: 'EUR', amountMinor: '250' },
    stock: 5,
    tags: ['cold'],
    imageUrl: '',
  },
  created,
);

describe('product changes', () => {
  it('applies set fields, keeps the rest and stamps updated_at', () => {
    const next = applyChanges(product, { price: { currencyCode: 'EUR', amountMinor: '300' } }, later)!;
    assert.equal(next.price?.amountMinor, '300');
    assert.equal(next.name, 'Cola');
    assert.deepEqual(next.tags, ['cold']);
    assert.equal(next.createdAt, created);
    assert.equal(next.updatedAt, later);
  });

  it('sees no change when every set field already has its value', () => {
    assert.equal(applyChanges(product, { name: 'Cola', tags: ['cold'], price: { currencyCode: 'EUR', amountMinor: '250' } }, later), undefined);
    assert.equal(applyChanges(product, {}, later), undefined);
  });

  it('sees a change in tag order', () => {
    assert.ok(applyChanges({ ...product, tags: ['a', 'b'] }, { tags: ['b', 'a'] }, later));
  });

  it('names a new category after its slug', () => {
    assert.equal(categoryNameOf('ice-cream'), 'Ice cream');
    assert.equal(categoryNameOf('wraps'), 'Wraps');
  });
});
