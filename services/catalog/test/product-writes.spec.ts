import assert from 'node:assert/strict';
import { Code } from '../../../platform/errors';
import { seededProductId } from '../src/domain/product-id';
import { aNewProduct, rpcError, violatedFields, type RunningCatalog } from './catalog-fixture';
import { startServiceUnderTest } from '../../../test/support/service-under-test';
import { catalogService } from '../src/service';

const FRIES = seededProductId('sides', 'French Fries');
const ONION_RINGS = seededProductId('sides', 'Onion Rings');
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const noChanges = { price: undefined, tags: [] as string[], replaceTags: false };

describe('catalog writes', function () {
  let catalog: RunningCatalog;

  before(async () => {
    catalog = await startServiceUnderTest(catalogService);
  });

  after(async () => {
    await catalog?.stop();
  });

  it('refuses CreateProduct and UpdateProduct without a token: UNAUTHENTICATED', async () => {
    assert.equal((await rpcError(catalog.client.createProduct(aNewProduct()))).code, Code.UNAUTHENTICATED);
    assert.equal((await rpcError(catalog.client.updateProduct({ id: FRIES, ...noChanges, stock: 1 }))).code, Code.UNAUTHENTICATED);
  });

  it('refuses CreateProduct and UpdateProduct without the admin role: PERMISSION_DENIED', async () => {
    assert.equal((await rpcError(catalog.client.createProduct(aNewProduct(), catalog.asCustomer))).code, Code.PERMISSION_DENIED);
    assert.equal((await rpcError(catalog.client.updateProduct({ id: FRIES, ...noChanges, stock: 1 }, catalog.asCustomer))).code, Code.PERMISSION_DENIED);
  });

  it('creates a product for an admin, readable at once by id, in its category and by search', async () => {
    const request = aNewProduct({ tags: ['Vegetarian', 'truffle'] });
    const { product } = await catalog.client.createProduct(request, catalog.asAdmin);
    assert.ok(product);
    assert.equal(product.name, request.name);
    assert.deepEqual(product.tags, ['vegetarian', 'truffle']);
    assert.ok(product.createdAt && product.createdAt.getTime() === product.updatedAt?.getTime());
    assert.deepEqual((await catalog.client.getProduct({ id: product.id })).product, product);
    const inCategory = await catalog.client.listProducts({ pageSize: 100, pageToken: '', category: 'sides', query: 'truffle' });
    assert.deepEqual(
      inCategory.products.map((p) => p.id),
      [product.id],
    );
  });

  it('creates the category a new product names, named after its slug', async () => {
    const before = await catalog.client.listCategories({});
    assert.ok(!before.categories.some((c) => c.slug === 'ice-cream'));
    await catalog.client.createProduct(aNewProduct({ name: 'Pistachio Gelato', category: 'ice-cream' }), catalog.asAdmin);
    const after = await catalog.client.listCategories({});
    assert.deepEqual(
      after.categories.find((c) => c.slug === 'ice-cream'),
      { slug: 'ice-cream', name: 'Ice cream', productCount: 1 },
    );
  });

  it('refuses an invalid product with INVALID_ARGUMENT naming every bad field', async () => {
    const error = await rpcError(
      catalog.client.createProduct(
        aNewProduct({
          name: '',
          category: 'Not A Slug',
          price: { currencyCode: 'euro', amountMinor: '1000000001' },
          stock: 2_000_000,
          tags: Array.from({ length: 21 }, (_, i) => `tag-${i}`),
          imageUrl: 'javascript:alert(1)',
        }),
        catalog.asAdmin,
      ),
    );
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    assert.deepEqual(violatedFields(error), ['name', 'category', 'price.currency_code', 'price.amount_minor', 'stock', 'tags', 'image_url']);
    assert.deepEqual(violatedFields(await rpcError(catalog.client.createProduct(aNewProduct({ price: undefined }), catalog.asAdmin))), ['price']);
  });

  it('shows the new price on the read after an update, though the old one was cached', async () => {
    const before = (await catalog.client.getProduct({ id: FRIES })).product!;
    await catalog.client.getProduct({ id: FRIES });
    const { product } = await catalog.client.updateProduct({ id: FRIES, ...noChanges, price: { currencyCode: 'EUR', amountMinor: '375' } }, catalog.asAdmin);
    assert.equal(product?.price?.amountMinor, '375');
    const after = (await catalog.client.getProduct({ id: FRIES })).product!;
    assert.deepEqual(after, product);
    const { products } = await catalog.client.batchGetProducts({ ids: [FRIES] });
    assert.equal(products[0].price?.amountMinor, '375');
    // Every field the update left unset is kept.
    assert.deepEqual({ ...after, price: before.price, updatedAt: before.updatedAt }, before);
    assert.ok(after.updatedAt!.getTime() > before.updatedAt!.getTime());
  });

  it('shows an update in lists and searches that were cached before it', async () => {
    const search = () => catalog.client.listProducts({ pageSize: 10, pageToken: '', category: '', query: 'halloumi' });
    assert.equal((await search()).totalSize, 0);
    await catalog.client.updateProduct({ id: ONION_RINGS, ...noChanges, name: 'Halloumi Fries', category: 'salads' }, catalog.asAdmin);
    assert.deepEqual(
      (await search()).products.map((p) => p.id),
      [ONION_RINGS],
    );
    const { categories } = await catalog.client.listCategories({});
    assert.equal(categories.find((c) => c.slug === 'sides')?.productCount, 5 + 1);
  });

  it('replaces tags only when replace_tags is true; an empty list then clears them', async () => {
    const { product } = await catalog.client.createProduct(aNewProduct({ tags: ['a', 'b'] }), catalog.asAdmin);
    const id = product!.id;
    const renamed = await catalog.client.updateProduct({ id, ...noChanges, stock: 3 }, catalog.asAdmin);
    assert.deepEqual(renamed.product?.tags, ['a', 'b']);
    const retagged = await catalog.client.updateProduct({ id, ...noChanges, tags: ['C', 'a'], replaceTags: true }, catalog.asAdmin);
    assert.deepEqual(retagged.product?.tags, ['c', 'a']);
    const cleared = await catalog.client.updateProduct({ id, ...noChanges, replaceTags: true }, catalog.asAdmin);
    assert.deepEqual((await catalog.client.getProduct({ id })).product?.tags, []);
    assert.deepEqual(cleared.product?.tags, []);
    const forgotten = await rpcError(catalog.client.updateProduct({ id, ...noChanges, tags: ['x'] }, catalog.asAdmin));
    assert.deepEqual(violatedFields(forgotten), ['replace_tags']);
  });

  it('answers UpdateProduct for an unknown product with NOT_FOUND and a bad one with INVALID_ARGUMENT', async () => {
    const missing = await rpcError(catalog.client.updateProduct({ id: UNKNOWN, ...noChanges, stock: 1 }, catalog.asAdmin));
    assert.equal(missing.code, Code.NOT_FOUND);
    assert.deepEqual(missing.details.resource, { type: 'product', name: UNKNOWN });
    const bad = await rpcError(catalog.client.updateProduct({ id: 'x', ...noChanges, stock: -5, name: 'y'.repeat(121) }, catalog.asAdmin));
    assert.deepEqual(violatedFields(bad), ['id', 'name', 'stock']);
  });
});
