import type Redis from 'ioredis';
import { createCache, type Codec } from '../../../../platform/cache';
import type { Logger } from '../../../../platform/logger';
import type { Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { SimilarProductsResponse } from '../../../../gen/ts/shop/recommendations/v1/recommendations';
import { REASON } from '../domain/bought-together';
import { changedInputs, type ScoredProduct } from '../domain/similarity';

/** Cached lists are the contract's own message: compact, and decoded with their types. */
const rankingCodec: Codec<ScoredProduct[]> = {
  encode: (ranked) =>
    SimilarProductsResponse.encode({
      recommendations: ranked.map(({ product, score }) => ({ product, score, reason: REASON.similar })),
    }).finish(),
  decode: (bytes) => SimilarProductsResponse.decode(bytes).recommendations.map(({ product, score }) => ({ product: product!, score })),
};

export interface SimilarCacheOptions {
  /** Part of every key: instances on different schemas (test runs) may share one Redis. */
  namespace: string;
  ttlSeconds: number;
  log: Logger;
}

export interface SimilarList {
  ranked: ScoredProduct[];
  /** What the list was computed from (`listInputs`); a change to any of them retires it. */
  inputs: string[];
}

/**
 * Similar lists, one per product, cached under a generation of their own.
 * Each list is registered, in a Redis set per input, under what it was
 * computed from: its product, its category, its tags and the products it
 * shows. A ProductChanged names the inputs it touches (the product, its
 * category and tags as they are now) and bumps the generation of every list
 * registered under any of them; a list whose product left a category is found
 * through the products it shows. A list computed from data read just before a
 * change but registered after its event was handled escapes; the TTL bounds that.
 */
export function createSimilarCache(redis: Redis, { namespace, ttlSeconds, log }: SimilarCacheOptions) {
  const lists = createCache(redis, { name: 'recommendations-similar', ttlSeconds, log });
  const scope = (productId: string) => `${namespace}:similar:${productId}`;
  const dependentsKey = (input: string) => `recommendations-similar:${namespace}:dependents:${input}`;
  // Outlives every list registered in it: entries live at most 1.1 × the TTL.
  const dependentsTtl = ttlSeconds * 2;

  async function register(productId: string, inputs: string[]): Promise<void> {
    // Redis down: the list is not cached (no generation to store it under), so nothing to retire.
    if (redis.status !== 'ready') return;
    try {
      const registration = redis.multi();
      for (const input of inputs) registration.sadd(dependentsKey(input), productId).expire(dependentsKey(input), dependentsTtl);
      await registration.exec();
    } catch (error) {
      log.warn({ err: error, productId }, `similar list not registered for invalidation; it expires within ${ttlSeconds}s`);
    }
  }

  return {
    /** The cached list of `productId`, or the one `load` computes; undefined (never cached) when `load` finds no product. */
    similarTo(productId: string, load: () => Promise<SimilarList | undefined>): Promise<ScoredProduct[] | undefined> {
      return lists.getOrLoadInGeneration<ScoredProduct[] | undefined>(scope(productId), '', rankingCodec, async () => {
        const list = await load();
        if (!list) return undefined;
        await register(productId, list.inputs);
        return list.ranked;
      });
    },

    /** After a ProductChanged: every list computed from what the change touches goes. */
    async productChanged(product: Product): Promise<void> {
      let affected: string[];
      try {
        affected = await redis.sunion(...changedInputs(product).map(dependentsKey));
      } catch (error) {
        log.warn({ err: error, productId: product.id }, `similar lists not invalidated; they expire within ${ttlSeconds}s`);
        return;
      }
      await Promise.all(affected.map((productId) => lists.bumpGeneration(scope(productId))));
    },
  };
}

export type SimilarCache = ReturnType<typeof createSimilarCache>;
