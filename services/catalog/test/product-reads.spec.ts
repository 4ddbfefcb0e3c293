import assert from 'node:assert/strict';
import { Code } from '../../../platform/errors';
import { SEED_CATEGORIES, SEED_PRODUCTS, SEEDED_AT } from '../migrations/seed/catalog-seed';
import { seededProductId } from '../src/domain/product-id';
import { rpcError, violatedFields, type RunningCatalog } from './catalog-fixture';
import { startServiceUnderTest } from '../../../test/support/service-under-test';
import { catalogService } from '../src/service';

const CHEESEBURGER = seededProductId('burgers', 'Classic Cheeseburger');
const TIRAMISU = seededProductId('desserts', 'Tiramisu');
const COLA = seededProductId('drinks', 'Cola');
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** What a search should find, computed from the seed data independently of SQL. */
const seedMatching = (...terms: string[]) =>
  SEED_PRODUCTS.filter((p) => terms.every((t) => [p.name, p.description, ...p.tags].some((text) => text.toLowerCase().includes(t))))
    .map((p) => p.id)
    .sort();

describe('catalog reads', function () {
  let catalog: RunningCatalog;

  before(async () => {
    catalog = await startServiceUnderTest(catalogService);
  });

  after(async () => {
    await catalog?.stop();
  });

  async function allPages(request: { pageSize: number; category?: string; query?: string }) {
    const pages = [];
    let pageToken = '';
    do {
      const page = await catalog.client.listProducts({ category: '', query: '', ...request, pageToken });
      pages.push(page);
      pageToken = page.nextPageToken;
    } while (pageToken && pages.length < 50);
    return pages;
  }

  it('pages through every seeded product with page tokens, without duplicates or gaps, ordered by name', async () => {
    const pages = await allPages({ pageSize: 7 });
    const products = pages.flatMap((p) => p.products);
    assert.equal(pages.length, Math.ceil(SEED_PRODUCTS.length / 7));
    assert.ok(pages.every((p) => p.totalSize === SEED_PRODUCTS.length));
    assert.equal(products.length, SEED_PRODUCTS.length);
    assert.deepEqual(products.map((p) => p.id).sort(), SEED_PRODUCTS.map((p) => p.id).sort());
    const names = products.map((p) => p.name);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })),
    );
  });

  it('answers 20 products when no page size is given', async () => {
    const page = await catalog.client.listProducts({ pageSize: 0, pageToken: '', category: '', query: '' });
    assert.equal(page.products.length, 20);
    assert.notEqual(page.nextPageToken, '');
  });

  it('filters by category', async () => {
    const pages = await allPages({ pageSize: 4, category: 'burgers' });
    const products = pages.flatMap((p) => p.products);
    assert.equal(products.length, SEED_PRODUCTS.filter((p) => p.category === 'burgers').length);
    assert.ok(products.every((p) => p.category === 'burgers'));
    assert.equal(pages[0].totalSize, products.length);
  });

  it('searches name, description and tags ignoring case and accents, every word having to match', async () => {
    for (const [query, terms] of [
      ['SPICY', ['spicy']],
      ['chicken Spicy', ['chicken', 'spicy']],
      ['mozzarella', ['mozzarella']],
      ['gluten-free', ['gluten-free']],
    ] as const) {
      const { products, totalSize } = await catalog.client.listProducts({ pageSize: 100, pageToken: '', category: '', query });
      const expected = seedMatching(...terms);
      assert.ok(expected.length > 0, `the seed has matches for ${query}`);
      assert.deepEqual(products.map((p) => p.id).sort(), expected, query);
      assert.equal(totalSize, expected.length);
    }
    const accented = await catalog.client.listProducts({ pageSize: 10, pageToken: '', category: '', query: 'creme brulee' });
    assert.deepEqual(
      accented.products.map((p) => p.name),
      ['Crème Brûlée'],
    );
    const none = await catalog.client.listProducts({ pageSize: 10, pageToken: '', category: '', query: 'sushi' });
    assert.deepEqual(none, { products: [], nextPageToken: '', totalSize: 0 });
  });

  it('pages through a search within a category', async () => {
    const pages = await allPages({ pageSize: 1, category: 'pizzas', query: 'cheese' });
    const ids = pages.flatMap((p) => p.products.map((x) => x.id)).sort();
    assert.deepEqual(
      ids,
      SEED_PRODUCTS.filter((p) => p.category === 'pizzas')
        .map((p) => p.id)
        .filter((id) => seedMatching('cheese').includes(id))
        .sort(),
    );
    assert.ok(ids.length > 1);
  });

  it('refuses bad paging input with INVALID_ARGUMENT naming the field', async () => {
    const list = (fields: object) => rpcError(catalog.client.listProducts({ pageSize: 0, pageToken: '', category: '', query: '', ...fields }));
    assert.deepEqual(violatedFields(await list({ pageSize: 101 })), ['page_size']);
    assert.deepEqual(violatedFields(await list({ pageSize: -1 })), ['page_size']);
    assert.deepEqual(violatedFields(await list({ pageToken: 'not-a-token' })), ['page_token']);
    const { nextPageToken } = await catalog.client.listProducts({ pageSize: 2, pageToken: '', category: 'burgers', query: '' });
    const reused = await list({ pageToken: nextPageToken, category: 'pizzas' });
    assert.equal(reused.code, Code.INVALID_ARGUMENT);
    assert.deepEqual(violatedFields(reused), ['page_token']);
  });

  it('gets a seeded product by its stable id, every field filled', async () => {
    const { product } = await catalog.client.getProduct({ id: CHEESEBURGER });
    const seed = SEED_PRODUCTS.find((p) => p.id === CHEESEBURGER)!;
    assert.deepEqual(product, {
      id: CHEESEBURGER,
      name: 'Classic Cheeseburger',
      description: seed.description,
      category: 'burgers',
      price: { currencyCode: 'EUR', amountMinor: String(seed.price_minor) },
      stock: seed.stock,
      tags: seed.tags,
      imageUrl: '',
      createdAt: SEEDED_AT,
      updatedAt: SEEDED_AT,
    });
  });

  it('answers GetProduct with INVALID_ARGUMENT for a malformed id and NOT_FOUND for an unknown one', async () => {
    assert.deepEqual(violatedFields(await rpcError(catalog.client.getProduct({ id: 'burger-1' }))), ['id']);
    const missing = await rpcError(catalog.client.getProduct({ id: UNKNOWN }));
    assert.equal(missing.code, Code.NOT_FOUND);
    assert.deepEqual(missing.details.resource, { type: 'product', name: UNKNOWN });
  });

  it('answers BatchGetProducts in request order, duplicates included', async () => {
    const { products } = await catalog.client.batchGetProducts({ ids: [TIRAMISU, COLA, TIRAMISU.toUpperCase(), CHEESEBURGER] });
    assert.deepEqual(
      products.map((p) => p.id),
      [TIRAMISU, COLA, TIRAMISU, CHEESEBURGER],
    );
  });

  it('BatchGetProducts names every missing id', async () => {
    const other = '11111111-1111-4111-8111-111111111111';
    const error = await rpcError(catalog.client.batchGetProducts({ ids: [COLA, UNKNOWN, TIRAMISU, other, UNKNOWN] }));
    assert.equal(error.code, Code.NOT_FOUND);
    assert.match(error.message, new RegExp(`${UNKNOWN}.*${other}`));
    assert.equal(error.details.metadata?.missing_ids, `${UNKNOWN},${other}`);
    assert.deepEqual(error.details.resource, { type: 'product', name: UNKNOWN });
  });

  it('refuses an empty, oversized or malformed BatchGetProducts', async () => {
    assert.deepEqual(violatedFields(await rpcError(catalog.client.batchGetProducts({ ids: [] }))), ['ids']);
    assert.deepEqual(violatedFields(await rpcError(catalog.client.batchGetProducts({ ids: Array(101).fill(COLA) }))), ['ids']);
    assert.deepEqual(violatedFields(await rpcError(catalog.client.batchGetProducts({ ids: [COLA, 'cola'] }))), ['ids[1]']);
  });

  it('lists the categories with their product counts', async () => {
    const { categories } = await catalog.client.listCategories({});
    assert.deepEqual(
      categories.map((c) => [c.slug, c.name, c.productCount]).sort(),
      SEED_CATEGORIES.map((c) => [c.slug, c.name, SEED_PRODUCTS.filter((p) => p.category === c.slug).length]).sort(),
    );
  });
});
