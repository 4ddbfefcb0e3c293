import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { createCache, type Codec } from '../../../../platform/cache';
import type { Logger } from '../../../../platform/logger';
import { Product } from '../../../../gen/ts/shop/catalog/v1/catalog';

interface MessageFns<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** Cached values are the contract's own protobuf messages: compact, and decoded with their types. */
export const protoCodec = <T>(message: MessageFns<T>): Codec<T> => ({
  encode: (value) => message.encode(value).finish(),
  decode: (bytes) => message.decode(bytes),
});

const productCodec = protoCodec(Product);

export interface CatalogCacheOptions {
  /**
   * Part of every key: catalogs on different schemas (test runs, staging next
   * to development) may share one Redis and must not read each other's entries.
   */
  namespace: string;
  ttlSeconds: number;
  log: Logger;
}

/**
 * Products are cached one key per product; lists and categories under the
 * current "lists" generation, so one INCR after a write retires all of them
 * (a write can change any page, count or search result). A read racing a
 * write cannot put the old product back after the invalidation (platform/cache.ts
 * fills only while the key's version is unchanged).
 */
export function createCatalogCache(redis: Redis, { namespace, ttlSeconds, log }: CatalogCacheOptions) {
  // Two cache names so hit ratios of point reads and of lists show apart in metrics.
  const products = createCache(redis, { name: 'catalog-products', ttlSeconds, log });
  const lists = createCache(redis, { name: 'catalog-lists', ttlSeconds, log });
  const productKey = (id: string) => `${namespace}:${id}`;
  const listScope = `${namespace}:lists`;

  return {
    /** Undefined (not cached) when the product does not exist. */
    product(id: string, load: () => Promise<Product | undefined>): Promise<Product | undefined> {
      return products.getOrLoad<Product | undefined>(productKey(id), productCodec, load);
    },

    /** `request` is the normalized query the list answers; it becomes the key. */
    list<T>(kind: string, request: unknown, codec: Codec<T>, load: () => Promise<T>): Promise<T> {
      const digest = createHash('sha256').update(JSON.stringify(request)).digest('base64url').slice(0, 22);
      return lists.getOrLoadInGeneration(listScope, `${kind}:${digest}`, codec, load);
    },

    /** After a committed write: the product's entry and every list go. */
    async productChanged(id: string): Promise<void> {
      await Promise.all([products.invalidate(productKey(id)), lists.bumpGeneration(listScope)]);
    },

    /** After a committed change of several products' stock (a reservation or its release): one list bump for all. */
    async productsChanged(ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await Promise.all([products.invalidate(...ids.map(productKey)), lists.bumpGeneration(listScope)]);
    },
  };
}

export type CatalogCache = ReturnType<typeof createCatalogCache>;
