import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Code } from '../../../platform/errors';
import type { Product } from '../../../gen/ts/shop/catalog/v1/catalog';
import type { Recommendation } from '../../../gen/ts/shop/recommendations/v1/recommendations';
import { until } from '../../../test/support/poll';
import { startServiceUnderTest } from '../../../test/support/service-under-test';
import type { RunningCatalog } from '../../catalog/test/catalog-fixture';
import { catalogService } from '../../catalog/src/service';
import {
  catalogCalls,
  failureOf,
  productFactory,
  similarCacheRequests,
  startRecommendationsUnderTest,
  untilCaughtUp,
  type RunningRecommendations,
} from './recommendations-fixture';

const ids = (recommendations: Recommendation[]) => recommendations.map((r) => r.product!.id);

describe('SimilarProducts', function () {
  this.timeout(60_000);
  let catalog: RunningCatalog;
  let recommendations: RunningRecommendations;
  let make: ReturnType<typeof productFactory>;
  // Kebabs, and a side that shares a tag with them; see the ranking test for the scores.
  let doner: Product, shish: Product, chickenDoner: Product, falafel: Product, mixedGrill: Product, spicyFries: Product, plainFries: Product;

  const similarTo = async (product: Product, limit = 10) => (await recommendations.client.similarProducts({ productId: product.id, limit })).recommendations;

  before(async () => {
    catalog = await startServiceUnderTest(catalogService);
    recommendations = await startRecommendationsUnderTest(catalog.service.address);
    make = productFactory(catalog.client, catalog.asAdmin);
    const [kebabs, sides] = [make.category('kebabs'), make.category('sides')];
    const [lamb, spicy, veg] = [make.tag('lamb'), make.tag('spicy'), make.tag('veg')];
    doner = await make.create({ name: 'Lamb Doner', category: kebabs, priceMinor: 1000, tags: [lamb, spicy] });
    shish = await make.create({ name: 'Lamb Shish', category: kebabs, priceMinor: 1050, tags: [lamb, spicy] });
    chickenDoner = await make.create({ name: 'Chicken Doner', category: kebabs, priceMinor: 1000, tags: [spicy] });
    falafel = await make.create({ name: 'Falafel Wrap', category: kebabs, priceMinor: 800, tags: [veg] });
    mixedGrill = await make.create({ name: 'Mixed Grill', category: kebabs, priceMinor: 3000, tags: [lamb] });
    spicyFries = await make.create({ name: 'Spicy Fries', category: sides, priceMinor: 1000, tags: [spicy] });
    plainFries = await make.create({ name: 'Plain Fries', category: sides, priceMinor: 1000, tags: [veg] });
    // Events of the products above invalidate lists; the tests count cache hits from a quiet start.
    await untilCaughtUp(recommendations);
  });

  after(async () => {
    await recommendations?.stop();
    await catalog?.stop();
  });

  it('ranks products of the same category first, then those sharing a tag, never the product itself', async () => {
    const similar = await similarTo(doner);
    // Same category 0.6 + tag overlap × 0.25 + price closeness × 0.15.
    assert.deepEqual(ids(similar), [shish.id, chickenDoner.id, mixedGrill.id, falafel.id, spicyFries.id]);
    assert.deepEqual(
      similar.map((r) => r.score),
      [0.9929, 0.875, 0.775, 0.72, 0.275],
    );
    assert.ok(similar.every((r) => r.reason === 'similar'));
    assert.ok(!ids(similar).includes(doner.id));
    assert.ok(!ids(similar).includes(plainFries.id), 'another category without a shared tag is not similar');
    assert.equal(similar[0].product!.name, shish.name, 'recommendations carry the whole product');
  });

  it('answers 5 by default, and at most the limit', async () => {
    assert.equal((await similarTo(doner, 0)).length, 5);
    assert.deepEqual(ids(await similarTo(doner, 2)), [shish.id, chickenDoner.id]);
  });

  it('refuses a bad product id and a bad limit, naming both', async () => {
    const failure = await failureOf(recommendations.client.similarProducts({ productId: 'doner', limit: 51 }));
    assert.equal(failure.code, Code.INVALID_ARGUMENT);
    assert.deepEqual(failure.fields, ['product_id', 'limit']);
  });

  it('answers NOT_FOUND for a product catalog does not have', async () => {
    const failure = await failureOf(recommendations.client.similarProducts({ productId: randomUUID(), limit: 0 }));
    assert.equal(failure.code, Code.NOT_FOUND);
  });

  it('serves a second request from the cache, without calling catalog', async () => {
    await similarTo(falafel);
    const before = { hits: await similarCacheRequests('hit'), lists: await catalogCalls('ListProducts'), gets: await catalogCalls('GetProduct') };
    const again = await similarTo(falafel);
    assert.equal(await similarCacheRequests('hit'), before.hits + 1);
    assert.equal(await catalogCalls('ListProducts'), before.lists);
    assert.equal(await catalogCalls('GetProduct'), before.gets);
    assert.deepEqual(ids(again), [chickenDoner.id, doner.id, shish.id, mixedGrill.id, plainFries.id]);
  });

  it('shows a new price of a listed product once catalog announces it', async () => {
    await similarTo(doner);
    await similarTo(doner);
    await catalog.client.updateProduct(
      { id: mixedGrill.id, price: { currencyCode: 'EUR', amountMinor: '1000' }, tags: [], replaceTags: false },
      catalog.asAdmin,
    );
    const listed = await until(
      'the new price in the similar list',
      async () => {
        const grill = (await similarTo(doner)).find((r) => r.product!.id === mixedGrill.id)!;
        return grill.product!.price!.amountMinor === '1000' && grill;
      },
      { timeoutMs: 20_000 },
    );
    assert.equal(listed.score, 0.875, 'rescored: the price is now the same');
  });

  it('moves a product down once it changes category', async () => {
    assert.equal(ids(await similarTo(doner))[0], shish.id);
    await catalog.client.updateProduct({ id: shish.id, category: spicyFries.category, price: undefined, tags: [], replaceTags: false }, catalog.asAdmin);
    const similar = await until(
      'Lamb Shish to rank as a product of another category',
      async () => {
        const list = await similarTo(doner);
        return list.find((r) => r.product!.id === shish.id)!.product!.category === spicyFries.category && list;
      },
      { timeoutMs: 20_000 },
    );
    const sameCategory = similar.filter((r) => r.product!.category === doner.category).length;
    assert.ok(ids(similar).indexOf(shish.id) >= sameCategory, 'after every product of the same category');
  });

  it('drops a listed product that leaves the category and shares no tag', async () => {
    // Its event names neither this category nor these tags: the list is found through the products it shows.
    assert.ok(ids(await similarTo(doner)).includes(falafel.id));
    await catalog.client.updateProduct({ id: falafel.id, category: plainFries.category, price: undefined, tags: [], replaceTags: false }, catalog.asAdmin);
    await until('the falafel wrap to leave the similar list', async () => !ids(await similarTo(doner)).includes(falafel.id), { timeoutMs: 20_000 });
  });

  it('lists a new product of the category, and one that gains a shared tag', async () => {
    await similarTo(doner);
    const kofta = await make.create({ name: 'Lamb Kofta', category: doner.category, priceMinor: 1000, tags: doner.tags });
    await catalog.client.updateProduct({ id: plainFries.id, price: undefined, tags: [doner.tags[1]], replaceTags: true }, catalog.asAdmin);
    const similar = await until(
      'the kofta and the fries in the similar list',
      async () => {
        const list = ids(await similarTo(doner));
        return list.includes(kofta.id) && list.includes(plainFries.id) && list;
      },
      { timeoutMs: 20_000 },
    );
    assert.equal(similar[0], kofta.id, 'same category, same tags, same price');
  });
});

describe('SimilarProducts while catalog is down', function () {
  this.timeout(30_000);
  let recommendations: RunningRecommendations;

  before(async () => {
    // Nothing listens on port 1.
    recommendations = await startRecommendationsUnderTest('127.0.0.1:1', { CLIENT_DEADLINE_MS: '500' });
  });
  after(async () => recommendations?.stop());

  it('answers UNAVAILABLE, which a caller may retry', async () => {
    const failure = await failureOf(recommendations.client.similarProducts({ productId: randomUUID(), limit: 0 }));
    assert.equal(failure.code, Code.UNAVAILABLE);
  });
});
