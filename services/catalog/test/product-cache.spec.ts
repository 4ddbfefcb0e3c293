import assert from 'node:assert/strict';
import { seededProductId } from '../src/domain/product-id';
import { aNewProduct, cacheRequests, type RunningCatalog } from './catalog-fixture';
import { startServiceUnderTest } from '../../../test/support/service-under-test';
import { catalogService } from '../src/service';

const PEPPERONI = seededProductId('pizzas', 'Pepperoni');
const MARGHERITA = seededProductId('pizzas', 'Margherita');
const LEMONADE = seededProductId('drinks', 'Fresh Lemonade');

/** How each cache counter moved while `work` ran. */
async function countsDuring(work: () => Promise<unknown>) {
  const read = async () => ({
    productHits: await cacheRequests('catalog-products', 'hit'),
    productMisses: await cacheRequests('catalog-products', 'miss'),
    productErrors: await cacheRequests('catalog-products', 'error'),
    listHits: await cacheRequests('catalog-lists', 'hit'),
    listMisses: await cacheRequests('catalog-lists', 'miss'),
  });
  const before = await read();
  await work();
  const after = await read();
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]])) as typeof before;
}

describe('catalog cache', function () {
  let catalog: RunningCatalog;

  before(async () => {
    catalog = await startServiceUnderTest(catalogService);
    await catalog.untilCheck('redis');
  });

  after(async () => {
    await catalog?.stop();
  });

  it('a second GetProduct is a cache hit', async () => {
    const first = await countsDuring(() => catalog.client.getProduct({ id: PEPPERONI }));
    assert.deepEqual([first.productMisses, first.productHits], [1, 0]);
    const second = await countsDuring(() => catalog.client.getProduct({ id: PEPPERONI }));
    assert.deepEqual([second.productMisses, second.productHits], [0, 1]);
  });

  it('BatchGetProducts shares the per-product entries with GetProduct', async () => {
    await catalog.client.getProduct({ id: MARGHERITA });
    const counts = await countsDuring(() => catalog.client.batchGetProducts({ ids: [MARGHERITA, LEMONADE, MARGHERITA] }));
    assert.deepEqual([counts.productHits, counts.productMisses], [1, 1]);
    const again = await countsDuring(() => catalog.client.getProduct({ id: LEMONADE }));
    assert.equal(again.productHits, 1);
  });

  it('a second ListProducts is a cache hit, with the same answer', async () => {
    const request = { pageSize: 5, pageToken: '', category: 'pizzas', query: '' };
    let first: unknown;
    const counts = await countsDuring(async () => (first = await catalog.client.listProducts(request)));
    assert.equal(counts.listMisses, 1);
    let second: unknown;
    const again = await countsDuring(async () => (second = await catalog.client.listProducts(request)));
    assert.deepEqual([again.listHits, again.listMisses], [1, 0]);
    assert.deepEqual(second, first);
  });

  it('a second ListCategories is a cache hit', async () => {
    await catalog.client.listCategories({});
    const again = await countsDuring(() => catalog.client.listCategories({}));
    assert.deepEqual([again.listHits, again.listMisses], [1, 0]);
  });

  it('a write retires every cached list at once', async () => {
    const request = { pageSize: 100, pageToken: '', category: 'sides', query: '' };
    const before = await catalog.client.listProducts(request);
    await catalog.client.createProduct(aNewProduct(), catalog.asAdmin);
    const counts = await countsDuring(async () => {
      const after = await catalog.client.listProducts(request);
      assert.equal(after.totalSize, before.totalSize + 1);
      await catalog.client.listCategories({});
    });
    assert.deepEqual([counts.listHits, counts.listMisses], [0, 2]);
  });
});

describe('catalog without Redis', function () {
  let catalog: RunningCatalog;

  before(async () => {
    // Nothing listens there: every cache access fails, as when Redis is down.
    catalog = await startServiceUnderTest(catalogService, { overrides: { REDIS_URL: 'redis://127.0.0.1:6390' } });
  });

  after(async () => {
    await catalog?.stop();
  });

  it('answers reads from MariaDB when Redis is down, counting cache errors', async () => {
    const counts = await countsDuring(async () => {
      assert.equal((await catalog.client.getProduct({ id: PEPPERONI })).product?.name, 'Pepperoni');
      assert.equal((await catalog.client.getProduct({ id: PEPPERONI })).product?.name, 'Pepperoni');
      const page = await catalog.client.listProducts({ pageSize: 3, pageToken: '', category: '', query: '' });
      assert.equal(page.products.length, 3);
      const next = await catalog.client.listProducts({ pageSize: 3, pageToken: page.nextPageToken, category: '', query: '' });
      assert.equal(next.products.length, 3);
      assert.equal((await catalog.client.batchGetProducts({ ids: [LEMONADE, PEPPERONI] })).products.length, 2);
      assert.equal((await catalog.client.listCategories({})).categories.length, 6);
    });
    assert.equal(counts.productErrors, 4);
    assert.deepEqual([counts.productHits, counts.listHits], [0, 0]);
  });

  it('still takes writes when Redis is down, and reads show them', async () => {
    const { product } = await catalog.client.createProduct(aNewProduct({ name: 'Redisless Fries' }), catalog.asAdmin);
    await catalog.client.updateProduct({ id: product!.id, price: { currencyCode: 'EUR', amountMinor: '650' }, tags: [], replaceTags: false }, catalog.asAdmin);
    assert.equal((await catalog.client.getProduct({ id: product!.id })).product?.price?.amountMinor, '650');
    const found = await catalog.client.listProducts({ pageSize: 5, pageToken: '', category: '', query: 'redisless' });
    assert.deepEqual(
      found.products.map((p) => p.id),
      [product!.id],
    );
  });
});
