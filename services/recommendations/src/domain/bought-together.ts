import type { Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import type { Recommendation } from '../../../../gen/ts/shop/recommendations/v1/recommendations';
import { byScore, type ScoredProduct } from './similarity';

export const REASON = { coPurchase: 'co_purchase', similar: 'similar' } as const;

export interface CoPurchased {
  product: Product;
  /** Times it was bought with the given products, summed over them. */
  count: number;
}

/** One list from the similar lists of several products: each candidate once, at its best score. */
export function mergeSimilar(lists: ScoredProduct[][]): ScoredProduct[] {
  const best = new Map<string, ScoredProduct>();
  for (const scored of lists.flat()) {
    const seen = best.get(scored.product.id);
    if (!seen || scored.score > seen.score) best.set(scored.product.id, scored);
  }
  return [...best.values()].sort(byScore);
}

/**
 * What to buy with the given products: what shoppers really bought with them
 * first, most often first (score = count), then, while there is room, the
 * products most like them (score = similarity in [0, 1]). Never one of the
 * given products, never a product twice.
 */
export function boughtTogether(given: string[], coPurchased: CoPurchased[], similar: ScoredProduct[][], limit: number): Recommendation[] {
  const excluded = new Set(given);
  const picked: Recommendation[] = [];
  const add = (product: Product, score: number, reason: string) => {
    if (picked.length >= limit || excluded.has(product.id)) return;
    excluded.add(product.id);
    picked.push({ product, score, reason });
  };
  for (const { product, count } of coPurchased) add(product, count, REASON.coPurchase);
  for (const { product, score } of mergeSimilar(similar)) add(product, score, REASON.similar);
  return picked;
}
