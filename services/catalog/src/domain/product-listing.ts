import { Violations } from '../../../../platform/errors';
import { keysetPaging, type PageRequest } from '../../../../platform/keyset-page';
import type { ListProductsRequest, ListProductsResponse, Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { CATEGORY_SLUG } from './product-rules';
import { checkQuery, searchTerms } from './product-search';

export const PAGE_SIZE = { default: 20, max: 100 };

/**
 * ListProducts pages in (name, id) order. Keyset rather than offsets: a
 * product created or deleted while a client pages does not shift later pages.
 */
export const productPages = keysetPaging<Product>({
  rpc: 'ListProducts',
  orderBy: [
    { column: 'products.name', order: 'asc', type: 'text' },
    { column: 'products.id', order: 'asc', type: 'text' },
  ],
  keyOf: (product) => [product.name, product.id],
  limits: { defaultSize: PAGE_SIZE.default, max: PAGE_SIZE.max },
  // Tokens issued before the platform's keyset paging ({ v: 1, n: name, i: id, f }) keep working.
  legacyKey: ({ n, i }) => (typeof n === 'string' && typeof i === 'string' ? [n, i] : undefined),
});

export interface ProductFilter {
  /** Category slug, or '' for every category. */
  category: string;
  /** Lower-case words that must all match; empty for no search. */
  terms: string[];
}

export interface ProductPageQuery {
  filter: ProductFilter;
  page: PageRequest;
}

/** Every problem of the request at once, named by its proto field. */
export function parseListRequest(req: ListProductsRequest): ProductPageQuery {
  const v = new Violations();
  const filter = { category: req.category, terms: searchTerms(req.query) };
  const page = productPages.request(req, filter, v);
  v.check(req.category === '' || CATEGORY_SLUG.test(req.category), 'category', 'must be a category slug, e.g. "burgers"');
  checkQuery(v, req.query, filter.terms);
  v.throwIfAny();
  return { filter, page };
}

/**
 * The response for products read in (name, id) order. The store reads one
 * product more than the page holds: its presence says another page follows.
 */
export function toPage(query: ProductPageQuery, products: Product[], totalSize: number): ListProductsResponse {
  const { items, nextPageToken } = productPages.respond(products, query.page);
  return { products: items, nextPageToken, totalSize };
}
