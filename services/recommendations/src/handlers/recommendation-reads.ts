import { notFound } from '../../../../platform/errors';
import type { CallContext } from '../../../../platform/rpc/context';
import type {
  FrequentlyBoughtTogetherRequest,
  FrequentlyBoughtTogetherResponse,
  SimilarProductsRequest,
  SimilarProductsResponse,
} from '../../../../gen/ts/shop/recommendations/v1/recommendations';
import { boughtTogether, REASON, type CoPurchased } from '../domain/bought-together';
import { parseBoughtTogetherRequest, parseSimilarRequest } from '../domain/requests';
import type { CatalogProducts } from '../store/catalog-products';
import type { CoPurchasesStore } from '../store/co-purchases-store';
import type { SimilarLists } from './similar-lists';

export interface ReadDeps {
  store: CoPurchasesStore;
  catalog: CatalogProducts;
  similar: SimilarLists;
}

export function recommendationReadHandlers({ store, catalog, similar }: ReadDeps) {
  return {
    async similarProducts(req: SimilarProductsRequest): Promise<SimilarProductsResponse> {
      const { productId, limit } = parseSimilarRequest(req);
      const ranked = await similar.top(productId);
      if (!ranked) throw notFound('product', productId);
      return { recommendations: ranked.slice(0, limit).map(({ product, score }) => ({ product, score, reason: REASON.similar })) };
    },

    /**
     * Given products catalog does not know simply have no history and nothing
     * like them: a cart may still hold a product that is gone.
     */
    async frequentlyBoughtTogether(req: FrequentlyBoughtTogetherRequest, ctx: CallContext): Promise<FrequentlyBoughtTogetherResponse> {
      const { productIds, limit } = parseBoughtTogetherRequest(req);
      // Twice the limit leaves room for products catalog no longer has.
      const counts = await store.boughtWith(productIds, limit * 2);
      const listed = new Map(
        (counts.length
          ? await catalog.stillListed(
              counts.map((c) => c.productId),
              ctx.signal,
            )
          : []
        ).map((p) => [p.id, p]),
      );
      const coPurchased: CoPurchased[] = counts.flatMap(({ productId, count }) => {
        const product = listed.get(productId);
        return product ? [{ product, count }] : [];
      });
      const similarLists = coPurchased.length >= limit ? [] : await Promise.all(productIds.map(async (id) => (await similar.top(id)) ?? []));
      return { recommendations: boughtTogether(productIds, coPurchased, similarLists, limit) };
    },
  };
}
