import type { Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import type { Money } from '../../../../gen/ts/shop/common/v1/money';

/**
 * Parts of a similarity in [0, 1]. The category outweighs tags and price
 * together, so a product of the same category always ranks above one of
 * another category; within a category, shared tags count more than price.
 */
export const WEIGHTS = { category: 0.6, tags: 0.25, price: 0.15 };

/** Tags searched for candidates from other categories: a product's first ones, each a catalog query. */
export const SEARCHED_TAGS_MAX = 5;

export interface ScoredProduct {
  product: Product;
  score: number;
}

/** Shared tags over all tags of the two (Jaccard): 1 for the same set, 0 for none in common. */
export function tagOverlap(a: string[], b: string[]): number {
  const left = new Set(a);
  const right = new Set(b);
  const shared = [...left].filter((tag) => right.has(tag)).length;
  const all = new Set([...left, ...right]).size;
  return all === 0 ? 0 : shared / all;
}

/** The cheaper price over the dearer one: 1 for equal prices, towards 0 as they part; 0 across currencies. */
export function priceCloseness(a: Money | undefined, b: Money | undefined): number {
  if (!a || !b || a.currencyCode !== b.currencyCode) return 0;
  const [x, y] = [Number(a.amountMinor), Number(b.amountMinor)];
  if (!(x > 0 && y > 0)) return 0;
  return Math.min(x, y) / Math.max(x, y);
}

/**
 * How alike `candidate` is to `product`, or undefined when it is not alike at
 * all: a product of another category with no tag in common is no
 * recommendation, however close its price.
 */
export function similarity(product: Product, candidate: Product): number | undefined {
  const sameCategory = product.category === candidate.category;
  const tags = tagOverlap(product.tags, candidate.tags);
  if (!sameCategory && tags === 0) return undefined;
  const score = (sameCategory ? WEIGHTS.category : 0) + WEIGHTS.tags * tags + WEIGHTS.price * priceCloseness(product.price, candidate.price);
  // Four decimals are plenty to rank by and read well in JSON.
  return Math.round(score * 10_000) / 10_000;
}

/** Best first; equal scores by name, then id, so the same catalog always gives the same list. */
export function byScore(a: ScoredProduct, b: ScoredProduct): number {
  return b.score - a.score || a.product.name.localeCompare(b.product.name) || a.product.id.localeCompare(b.product.id);
}

/** The `max` candidates most like `product`, never `product` itself, each once. */
export function rankSimilar(product: Product, candidates: Product[], max: number): ScoredProduct[] {
  const unique = new Map(candidates.filter((c) => c.id !== product.id).map((c) => [c.id, c]));
  return [...unique.values()]
    .flatMap((candidate) => {
      const score = similarity(product, candidate);
      return score === undefined ? [] : [{ product: candidate, score }];
    })
    .sort(byScore)
    .slice(0, max);
}

export const searchedTags = (product: Product): string[] => product.tags.slice(0, SEARCHED_TAGS_MAX);

/**
 * Names of what a similar list is computed from. A list of `product` depends
 * on the product itself, on every product of its category and of its searched
 * tags (one of them may now rank higher), and on each product it shows (one of
 * them may have left the category, or changed).
 */
export function listInputs(product: Product, shown: Product[]): string[] {
  return [
    ...new Set([
      `product:${product.id}`,
      `category:${product.category}`,
      ...searchedTags(product).map((tag) => `tag:${tag}`),
      ...shown.map((p) => `product:${p.id}`),
    ]),
  ];
}

/** The inputs a change to `product` touches, named as in `listInputs`, from the product as it is now. */
export function changedInputs(product: Product): string[] {
  return [`product:${product.id}`, `category:${product.category}`, ...product.tags.map((tag) => `tag:${tag}`)];
}
