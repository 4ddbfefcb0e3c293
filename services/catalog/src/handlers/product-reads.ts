import {
  Availability,
  ListCategoriesResponse,
  ListProductsResponse,
  type BatchGetProductsRequest,
  type BatchGetProductsResponse,
  type CheckAvailabilityRequest,
  type CheckAvailabilityResponse,
  type GetProductRequest,
  type GetProductResponse,
  type ListProductsRequest,
  type Product,
} from '../../../../gen/ts/shop/catalog/v1/catalog';
import { notFound, Violations } from '../../../../platform/errors';
import { BATCH_MAX, inRequestOrder, parseBatchIds } from '../domain/batch-get';
import { isProductId, parseProductId } from '../domain/product-id';
import { parseListRequest, toPage } from '../domain/product-listing';
import { protoCodec, type CatalogCache } from '../store/catalog-cache';
import type { ProductsStore } from '../store/products-store';

const pageCodec = protoCodec(ListProductsResponse);
const categoriesCodec = protoCodec(ListCategoriesResponse);
const MAX_LINE_QUANTITY = 1000;

/** Lines of a cart to check: 1-100, each product once, quantities 1-1000; every bad field named. */
function parseAvailabilityLines(req: CheckAvailabilityRequest): { productId: string; quantity: number }[] {
  const v = new Violations();
  v.check(req.lines.length >= 1 && req.lines.length <= BATCH_MAX, 'lines', `must hold 1-${BATCH_MAX} lines`);
  const seen = new Set<string>();
  req.lines.forEach((line, i) => {
    const id = line.productId.toLowerCase();
    if (!isProductId(id)) v.add(`lines[${i}].product_id`, 'must be a product id (UUID)');
    else v.check(!seen.has(id), `lines[${i}].product_id`, 'is already in an earlier line');
    seen.add(id);
    v.check(line.quantity >= 1 && line.quantity <= MAX_LINE_QUANTITY, `lines[${i}].quantity`, `must be 1-${MAX_LINE_QUANTITY}`);
  });
  v.throwIfAny();
  return req.lines.map((line) => ({ productId: line.productId.toLowerCase(), quantity: line.quantity }));
}

export function productReadHandlers({ store, cache }: { store: ProductsStore; cache: CatalogCache }) {
  /** The products found among `ids`, through the cache. Ids that miss it share one query for
   * the whole batch; hits among them are re-read too, which costs less than a query per miss. */
  async function cachedProducts(ids: string[]): Promise<Map<string, Product>> {
    let fromDb: Promise<Map<string, Product>> | undefined;
    const load = (id: string) => async () => (await (fromDb ??= store.byIds(ids))).get(id);
    const unique = [...new Set(ids)];
    const products = await Promise.all(unique.map((id) => cache.product(id, load(id))));
    return new Map(unique.flatMap((id, i) => (products[i] ? [[id, products[i]] as const] : [])));
  }

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
      return { products: inRequestOrder(ids, await cachedProducts(ids)) };
    },

    async checkAvailability(req: CheckAvailabilityRequest): Promise<CheckAvailabilityResponse> {
      const lines = parseAvailabilityLines(req);
      const found = await cachedProducts(lines.map((line) => line.productId));
      const answers = lines.map(({ productId, quantity }) => {
        const inStock = found.get(productId)?.stock ?? 0;
        const availability = !found.has(productId)
          ? Availability.AVAILABILITY_UNKNOWN_PRODUCT
          : inStock >= quantity
            ? Availability.AVAILABILITY_IN_STOCK
            : Availability.AVAILABILITY_INSUFFICIENT_STOCK;
        return { productId, quantity, availability, inStock };
      });
      return { lines: answers, allAvailable: answers.every((line) => line.availability === Availability.AVAILABILITY_IN_STOCK) };
    },

    async listCategories(): Promise<ListCategoriesResponse> {
      return cache.list('categories', {}, categoriesCodec, async () => ({ categories: await store.categories() }));
    },
  };
}
