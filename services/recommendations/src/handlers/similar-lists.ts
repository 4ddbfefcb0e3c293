import { LIMIT } from '../domain/requests';
import { listInputs, rankSimilar, type ScoredProduct } from '../domain/similarity';
import type { CatalogProducts } from '../store/catalog-products';
import type { SimilarCache } from '../store/similar-cache';

/**
 * The similar list of a product, shared by both RPCs: computed from catalog
 * once at the longest length a request may ask for, cached, and cut to each
 * request's limit.
 */
export function createSimilarLists({ catalog, cache }: { catalog: CatalogProducts; cache: SimilarCache }) {
  return {
    /** Best first, at most LIMIT.max; undefined when catalog has no such product. */
    top(productId: string): Promise<ScoredProduct[] | undefined> {
      return cache.similarTo(productId, async () => {
        const product = await catalog.product(productId);
        if (!product) return undefined;
        const ranked = rankSimilar(product, await catalog.candidatesFor(product), LIMIT.max);
        return {
          ranked,
          inputs: listInputs(
            product,
            ranked.map((s) => s.product),
          ),
        };
      });
    },
  };
}

export type SimilarLists = ReturnType<typeof createSimilarLists>;
