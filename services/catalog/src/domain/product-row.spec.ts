import assert from 'node:assert/strict';
import { toProduct, toRow, toTagRows } from './product-row';

describe('product rows', () => {
  const row = {
    id: 'p1',
    name: 'Cola',
    description: 'Fizzy',
    category: 'drinks',
    price_minor: '250',
    currency: 'EUR',
    stock: 5,
    image_url: '',
    created_at: new Date(1),
    updated_at: new Date(2),
  };

  it('maps a row to the contract Product and back, money in minor units as a string', () => {
    const product = toProduct(row, ['cold']);
    assert.deepEqual(product.price, { currencyCode: 'EUR', amountMinor: '250' });
    assert.deepEqual(toRow(product), row);
  });

  it('numbers tags in the order given', () => {
    assert.deepEqual(toTagRows({ id: 'p1', tags: ['b', 'a'] }), [
      { product_id: 'p1', position: 0, tag: 'b' },
      { product_id: 'p1', position: 1, tag: 'a' },
    ]);
  });
});
