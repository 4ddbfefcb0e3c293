import type { TypedClient } from '../../../../platform/client';
import { Code, RpcError } from '../../../../platform/errors';
import type { CatalogServiceService, Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { searchedTags } from '../domain/similarity';

export type CatalogClient = TypedClient<typeof CatalogServiceService>;

/** Bounds on the candidates of one similar list: two pages of its category, one page per searched tag. */
const PAGE_SIZE = 100;
const CATEGORY_PAGES_MAX = 2;

/**
 * What a failed catalog call means for our caller: catalog down or slow is
 * UNAVAILABLE (retry later), as the platform client already says
 * (platform/rpc/client-interceptors.ts). Anything else catalog refuses is a
 * bug on our side, not the caller's: it becomes INTERNAL (logged in full by
 * the error interceptor), never catalog's own INVALID_ARGUMENT about fields
 * our caller never sent.
 */
export function catalogFailure(method: string, error: unknown): Error {
  if (!(error instanceof RpcError)) return error as Error;
  if (error.code === Code.UNAVAILABLE) return error;
  return new Error(`catalog ${method} failed: ${Code[error.code]} ${error.message}`);
}

/** Ids a BatchGetProducts NOT_FOUND names as missing (ErrorInfo metadata, else ResourceInfo). */
function missingIds(error: RpcError): string[] {
  const listed = error.details.metadata?.missing_ids ?? error.details.resource?.name ?? '';
  return listed
    .split(',')
    .map((id) => id.trim().toLowerCase())
    .filter(Boolean);
}

/** The catalog reads recommendations need, over its gRPC contract. */
export function createCatalogProducts(catalog: CatalogClient) {
  const list = (category: string, query: string, pageToken = '') =>
    catalog.listProducts({ category, query, pageSize: PAGE_SIZE, pageToken }).catch((error) => {
      throw catalogFailure('ListProducts', error);
    });

  async function ofCategory(category: string): Promise<Product[]> {
    const products: Product[] = [];
    let pageToken = '';
    for (let page = 0; page < CATEGORY_PAGES_MAX; page++) {
      const result = await list(category, '', pageToken);
      products.push(...result.products);
      pageToken = result.nextPageToken;
      if (!pageToken) break;
    }
    return products;
  }

  return {
    /** Undefined when catalog has no such product. */
    async product(id: string): Promise<Product | undefined> {
      try {
        return (await catalog.getProduct({ id })).product;
      } catch (error) {
        if (error instanceof RpcError && error.code === Code.NOT_FOUND) return undefined;
        throw catalogFailure('GetProduct', error);
      }
    },

    /**
     * Products that may be like `product`: those of its category, and those a
     * search for each of its first tags finds in any category (a search also
     * matches names and descriptions; scoring keeps real tag matches only).
     */
    async candidatesFor(product: Product): Promise<Product[]> {
      const pages = await Promise.all([ofCategory(product.category), ...searchedTags(product).map(async (tag) => (await list('', tag)).products)]);
      return pages.flat();
    },

    /**
     * The products catalog still has, in the order of `ids`: BatchGetProducts
     * answers all or NOT_FOUND naming the missing ones, which are dropped
     * before asking again.
     */
    async stillListed(ids: string[], signal?: AbortSignal): Promise<Product[]> {
      let wanted = ids;
      for (let attempt = 1; wanted.length > 0; attempt++) {
        try {
          return (await catalog.batchGetProducts({ ids: wanted }, { signal })).products;
        } catch (error) {
          const missing = error instanceof RpcError && error.code === Code.NOT_FOUND ? new Set(missingIds(error)) : undefined;
          // Catalog names what it lacks; a second miss would mean ids vanish between two calls.
          if (!missing?.size || attempt > 2) throw catalogFailure('BatchGetProducts', error);
          wanted = wanted.filter((id) => !missing.has(id));
        }
      }
      return [];
    },
  };
}

export type CatalogProducts = ReturnType<typeof createCatalogProducts>;
