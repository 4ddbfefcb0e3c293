import assert from 'node:assert/strict';
import { Availability } from '../../../gen/ts/shop/catalog/v1/catalog';
import { Code } from '../../../platform/errors';
import { startServiceUnderTest } from '../../../test/support/service-under-test';
import { catalogService } from '../src/service';
import { aNewProduct, rpcError, violatedFields, type RunningCatalog } from './catalog-fixture';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const { AVAILABILITY_IN_STOCK: IN_STOCK, AVAILABILITY_INSUFFICIENT_STOCK: SHORT, AVAILABILITY_UNKNOWN_PRODUCT: UNKNOWN_PRODUCT } = Availability;

/**
 * CheckAvailability: a cart page asks, for each line, whether it can be ordered now.
 * Anyone may ask (the storefront asks before sign-in); real MariaDB and Redis.
 */
describe('catalog: CheckAvailability', function () {
  let catalog: RunningCatalog;
  let productId: string;

  before(async () => {
    catalog = await startServiceUnderTest(catalogService);
    const { product } = await catalog.client.createProduct(aNewProduct({ stock: 5 }), catalog.asAdmin);
    productId = product!.id;
  });

  after(async () => {
    await catalog?.stop();
  });

  const check = (lines: { productId: string; quantity: number }[]) => catalog.client.checkAvailability({ lines });

  it('answers each line in request order, anonymously: in stock, short of stock, or an unknown product', async () => {
    const answer = await check([
      { productId, quantity: 5 },
      { productId: UNKNOWN, quantity: 1 },
    ]);
    assert.deepEqual(answer, {
      lines: [
        { productId, quantity: 5, availability: IN_STOCK, inStock: 5 },
        { productId: UNKNOWN, quantity: 1, availability: UNKNOWN_PRODUCT, inStock: 0 },
      ],
      allAvailable: false,
    });
    assert.deepEqual(await check([{ productId: productId.toUpperCase(), quantity: 6 }]), {
      lines: [{ productId, quantity: 6, availability: SHORT, inStock: 5 }],
      allAvailable: false,
    });
    assert.equal((await check([{ productId, quantity: 1 }])).allAvailable, true);
  });

  it('sees a stock change at once (the cache is invalidated by the write)', async () => {
    await check([{ productId, quantity: 1 }]); // now cached
    await catalog.client.updateProduct({ id: productId, stock: 0, price: undefined, tags: [], replaceTags: false }, catalog.asAdmin);
    assert.deepEqual((await check([{ productId, quantity: 1 }])).lines[0], { productId, quantity: 1, availability: SHORT, inStock: 0 });
    await catalog.client.updateProduct({ id: productId, stock: 5, price: undefined, tags: [], replaceTags: false }, catalog.asAdmin);
  });

  it('refuses bad lines with INVALID_ARGUMENT naming every field', async () => {
    const bad = await rpcError(
      check([
        { productId: 'not-a-uuid', quantity: 1 },
        { productId, quantity: 0 },
        { productId, quantity: 1001 },
      ]),
    );
    assert.equal(bad.code, Code.INVALID_ARGUMENT);
    assert.deepEqual(violatedFields(bad), ['lines[0].product_id', 'lines[1].quantity', 'lines[2].product_id', 'lines[2].quantity']);
    assert.deepEqual(violatedFields(await rpcError(check([]))), ['lines']);
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ productId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, quantity: 1 }));
    assert.deepEqual(violatedFields(await rpcError(check(tooMany))), ['lines']);
  });
});
