import {
  ListCategoriesResponse,
  ListProductsResponse,
  type BatchGetProductsRequest,
  type BatchGetProductsResponse,
  type GetProductRequest,
  type GetProductResponse,
  type ListProductsRequest,
  type Product,
} from '../../../../gen/ts/shop/catalog/v1/catalog';
import { notFound } from '../../../../platform/errors';
import { inRequestOrder, parseBatchIds } from '../domain/batch-get';
import { parseProductId } from '../domain/product-id';
import { parseListRequest, toPage } from '../domain/product-listing';
import { protoCodec, type CatalogCache } from '../store/catalog-cache';
import type { ProductsStore } from '../store/products-store';

const pageCodec = protoCodec(ListProductsResponse);
const categoriesCodec = protoCodec(ListCategoriesResponse);

export function productReadHandlers({ store, cache }: { store: ProductsStore; cache: CatalogCache }) {
  return {
    async listProducts(req: ListProductsRequest): Promise<ListProductsResponse> {
      const query = parseListRequest(req);
      const key = { ...query.filter, pageSize: query.page.size, pageToken: req.pageToken };
      return cache.list('products', key, pageCodec, async () => {
        const { products, totalSize } = await store.page(query);
        return toPage(query, products, totalSize);
      });
    },

    async getProduct(req: GetProductRequest): Promise<GetProductResponse> {
      const id = parseProductId(req.id);
      const product = await cache.product(id, async () => (await store.byIds([id])).get(id));
      if (!product) throw notFound('product', req.id);
      return { product };
    },

    async batchGetProducts(req: BatchGetProductsRequest): Promise<BatchGetProductsResponse> {
      const ids = parseBatchIds(req.ids);
      // Ids that miss the cache share one query for the whole batch; hits among
      // them are re-read too, which costs less than a query per miss.
      let fromDb: Promise<Map<string, Product>> | undefined;
      const load = (id: string) => async () => (await (fromDb ??= store.byIds(ids))).get(id);
      const unique = [...new Set(ids)];
      const products = await Promise.all(unique.map((id) => cache.product(id, load(id))));
      const found = new Map(unique.flatMap((id, i) => (products[i] ? [[id, products[i]] as const] : [])));
      return { products: inRequestOrder(ids, found) };
    },

    async listCategories(): Promise<ListCategoriesResponse> {
      return cache.list('categories', {}, categoriesCodec, async () => ({ categories: await store.categories() }));
    },
  };
}
