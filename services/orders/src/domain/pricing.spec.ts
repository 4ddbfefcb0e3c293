import { strict as assert } from 'node:assert';
import { Code, RpcError } from '../../../../platform/errors';
import { priceOrder, type CatalogPrice } from './pricing';

const catalog = (...products: CatalogPrice[]) => new Map(products.map((p) => [p.id, p]));
const burger: CatalogPrice = { id: 'b', name: 'Burger', currency: 'EUR', amountMinor: 1099n, stock: 10 };
const cola: CatalogPrice = { id: 'c', name: 'Cola', currency: 'EUR', amountMinor: 250n, stock: 1 };

describe('order pricing', () => {
  it('totals catalog prices times quantities in minor units', () => {
    const priced = priceOrder(
      [
        { productId: 'b', quantity: 3 },
        { productId: 'c', quantity: 1 },
      ],
      catalog(burger, cola),
    );
    assert.equal(priced.currency, 'EUR');
    assert.deepEqual(
      priced.lines.map((l) => l.lineMinor),
      [3297n, 250n],
    );
    assert.equal(priced.totalMinor, 3547n);
  });

  it('refuses mixed currencies', () => {
    const usd = { ...cola, id: 'u', currency: 'USD' };
    assert.throws(
      () =>
        priceOrder(
          [
            { productId: 'b', quantity: 1 },
            { productId: 'u', quantity: 1 },
          ],
          catalog(burger, usd),
        ),
      (e: RpcError) => e.code === Code.FAILED_PRECONDITION && e.details.reason === 'MIXED_CURRENCIES',
    );
  });

  it('names the products short of stock', () => {
    assert.throws(
      () => priceOrder([{ productId: 'c', quantity: 2 }], catalog(cola)),
      (e: RpcError) => e.code === Code.FAILED_PRECONDITION && /Cola/.test(e.message) && e.details.metadata?.product_ids === 'c',
    );
  });
});
