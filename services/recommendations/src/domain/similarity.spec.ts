import assert from 'node:assert/strict';
import { aProduct } from '../../test/a-product';
import { changedInputs, listInputs, priceCloseness, rankSimilar, similarity, tagOverlap, WEIGHTS } from './similarity';

const eur = (amountMinor: number) => ({ currencyCode: 'EUR', amountMinor: String(amountMinor) });

describe('recommendations/domain/similarity', () => {
  it('measures tag overlap as shared tags over all tags', () => {
    assert.equal(tagOverlap(['cheese', 'spicy'], ['spicy', 'cheese']), 1);
    assert.equal(tagOverlap(['cheese', 'spicy'], ['cheese', 'pork']), 1 / 3);
    assert.equal(tagOverlap(['cheese'], ['vegan']), 0);
    assert.equal(tagOverlap([], []), 0);
  });

  it('measures price closeness as the cheaper over the dearer, and not across currencies', () => {
    assert.equal(priceCloseness(eur(1000), eur(1000)), 1);
    assert.equal(priceCloseness(eur(500), eur(1000)), 0.5);
    assert.equal(priceCloseness(eur(1000), eur(500)), 0.5);
    assert.equal(priceCloseness(eur(1000), { currencyCode: 'USD', amountMinor: '1000' }), 0);
    assert.equal(priceCloseness(eur(1000), undefined), 0);
    assert.equal(priceCloseness(eur(0), eur(1000)), 0);
  });

  it('scores the same product in the same category, tags and price as 1', () => {
    const pizza = aProduct({ tags: ['cheese'], priceMinor: 990 });
    assert.equal(similarity(pizza, { ...pizza, id: 'other' }), 1);
  });

  it('finds nothing alike in another category without a shared tag, however close the price', () => {
    assert.equal(similarity(aProduct({ category: 'pizzas', tags: ['cheese'] }), aProduct({ category: 'drinks', tags: ['cold'] })), undefined);
  });

  it('ranks any product of the same category above any product of another', () => {
    const margherita = aProduct({ category: 'pizzas', tags: ['cheese', 'vegetarian'], priceMinor: 990 });
    const farPizza = aProduct({ category: 'pizzas', tags: ['truffle'], priceMinor: 99_000 });
    const twinSide = aProduct({ category: 'sides', tags: ['cheese', 'vegetarian'], priceMinor: 990 });
    assert.ok(similarity(margherita, farPizza)! > similarity(margherita, twinSide)!);
    assert.ok(WEIGHTS.category > WEIGHTS.tags + WEIGHTS.price);
  });

  it('within a category, prefers shared tags, then a closer price', () => {
    const pepperoni = aProduct({ tags: ['pork', 'cheese'], priceMinor: 1190 });
    const diavola = aProduct({ tags: ['pork', 'cheese', 'spicy'], priceMinor: 1250 });
    const margherita = aProduct({ tags: ['vegetarian'], priceMinor: 1190 });
    const hawaiian = aProduct({ tags: ['pork', 'cheese'], priceMinor: 4000 });
    const ranked = rankSimilar(pepperoni, [margherita, hawaiian, diavola], 10).map((s) => s.product);
    assert.deepEqual(ranked, [diavola, hawaiian, margherita]);
  });

  it('never recommends the product itself, lists each candidate once and keeps at most `max`', () => {
    const pizza = aProduct();
    const others = [aProduct(), aProduct(), aProduct()];
    const ranked = rankSimilar(pizza, [pizza, ...others, others[0], { ...pizza }], 2);
    assert.equal(ranked.length, 2);
    assert.ok(ranked.every((s) => s.product.id !== pizza.id));
    assert.equal(new Set(ranked.map((s) => s.product.id)).size, 2);
  });

  it('orders equal scores by name, so a list is stable', () => {
    const pizza = aProduct({ name: 'Base' });
    const [b, a] = [aProduct({ name: 'Bravo' }), aProduct({ name: 'Alpha' })];
    assert.deepEqual(
      rankSimilar(pizza, [b, a], 5).map((s) => s.product.name),
      ['Alpha', 'Bravo'],
    );
  });

  it('names what a list is computed from, and what a change touches, in the same terms', () => {
    const pizza = aProduct({ id: 'p', category: 'pizzas', tags: ['a', 'b', 'c', 'd', 'e', 'f'] });
    const shown = aProduct({ id: 'q', category: 'sides', tags: ['a'] });
    assert.deepEqual(listInputs(pizza, [shown]), ['product:p', 'category:pizzas', 'tag:a', 'tag:b', 'tag:c', 'tag:d', 'tag:e', 'product:q']);
    assert.deepEqual(changedInputs(shown), ['product:q', 'category:sides', 'tag:a']);
  });
});
