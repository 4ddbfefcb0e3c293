import { Violations } from '../../../../platform/errors';
import type { ListProductsRequest, ListProductsResponse, Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { encodePageToken, readPageToken, type PageCursor } from './page-token';
import { CATEGORY_SLUG } from './product-rules';
import { checkQuery, searchTerms } from './product-search';

export const PAGE_SIZE = { default: 20, max: 100 };

export interface ProductFilter {
  /** Category slug, or '' for every category. */
  category: string;
  /** Lower-case words that must all match; empty for no search. */
  terms: string[];
}

export interface ProductPageQuery {
  pageSize: number;
  filter: ProductFilter;
  after?: PageCursor;
}

/** Every problem of the request at once, named by its proto field. */
export function parseListRequest(req: ListProductsRequest): ProductPageQuery {
  const v = new Violations();
  v.check(req.pageSize >= 0 && req.pageSize <= PAGE_SIZE.max, 'page_size', `must be from 0 to ${PAGE_SIZE.max} (0 means ${PAGE_SIZE.default})`);
  v.check(req.category === '' || CATEGORY_SLUG.test(req.category), 'category', 'must be a category slug, e.g. "burgers"');
  const filter = { category: req.category, terms: searchTerms(req.query) };
  checkQuery(v, req.query, filter.terms);
  const token = req.pageToken ? readPageToken(req.pageToken, filter) : undefined;
  if (token && 'problem' in token) v.add('page_token', token.problem);
  v.throwIfAny();
  return {
    pageSize: req.pageSize || PAGE_SIZE.default,
    filter,
    after: token && 'cursor' in token ? token.cursor : undefined,
  };
}

/**
 * The response for products read in (name, id) order. The store reads one
 * product more than the page holds: its presence says another page follows.
 */
export function toPage(query: ProductPageQuery, products: Product[], totalSize: number): ListProductsResponse {
  const page = products.slice(0, query.pageSize);
  const last = page[page.length - 1];
  const more = products.length > query.pageSize;
  return {
    products: page,
    nextPageToken: more && last ? encodePageToken({ name: last.name, id: last.id }, query.filter) : '',
    totalSize,
  };
}
