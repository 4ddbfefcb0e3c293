import Redis from 'ioredis';
import { CatalogServiceService, Product } from '../../gen/ts/shop/catalog/v1/catalog';
import { callMethod, rawGrpcClient, type RawGrpcClient } from '../lib/raw-grpc';
import { compareVariants, type BenchSettings, type ScenarioResult, type Variant } from '../lib/scenario';
import { productCacheProbe } from '../lib/scrape';

export interface CatalogTarget {
  address: string;
  pid?: number;
  /** Its /metrics base URL: the cache hits and misses it counted prove what each variant measured. */
  metricsUrl?: string;
}

export interface CachedReadTargets {
  catalog: CatalogTarget & {
    /** CATALOG_DB_NAME of that catalog: part of its cache keys. */
    cacheNamespace: string;
  };
  /** A catalog on the same database whose Redis is unreachable (REDIS_URL at a dead port): every read goes to MariaDB. */
  catalogWithoutRedis?: CatalogTarget;
  redisUrl: string;
}

/** Where catalog keeps a product (services/catalog/src/store/catalog-cache.ts); checked before it is relied on. */
const productCacheKey = (namespace: string, id: string) => `catalog-products:${namespace}:${id}`;

/** Product ids of a catalog, enough to give every worker one of its own. */
export async function catalogProductIds(client: RawGrpcClient): Promise<string[]> {
  const ids: string[] = [];
  let pageToken = '';
  do {
    const page = await callMethod(client, CatalogServiceService.listProducts, { pageSize: 100, pageToken, category: '', query: '' });
    ids.push(...page.products.map((p) => p.id));
    pageToken = page.nextPageToken;
  } while (pageToken && ids.length < 500);
  if (ids.length === 0) throw new Error('the catalog has no products');
  return ids;
}

/**
 * catalog GetProduct served from Redis (hit), with its key deleted before
 * each call (miss: Redis GET, MariaDB, Redis SET), and from a catalog without
 * Redis; a plain Redis GET of the same bytes from this process is the floor.
 */
export async function cachedReadScenario(targets: CachedReadTargets, settings: BenchSettings): Promise<ScenarioResult> {
  const catalog = rawGrpcClient(targets.catalog.address);
  const uncached = targets.catalogWithoutRedis ? rawGrpcClient(targets.catalogWithoutRedis.address) : undefined;
  const redis = new Redis(targets.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const floorKey = `bench:${process.pid}:${Date.now()}:product`;
  try {
    await redis.connect();
    const ids = await catalogProductIds(catalog);
    const idFor = (worker: number) => ids[worker % ids.length];
    const get = (client: RawGrpcClient, id: string) => callMethod(client, CatalogServiceService.getProduct, { id });
    const { product } = await get(catalog, ids[0]);
    await redis.set(floorKey, Buffer.from(Product.encode(product!).finish()), 'EX', 3600);

    const key = (id: string) => productCacheKey(targets.catalog.cacheNamespace, id);
    const notes = [
      'All variants read one product per worker over the same raw grpc-js client; the Redis GET row reads the same protobuf bytes with ioredis from this process.',
    ];
    const variants: Variant[] = [
      { name: 'plain Redis GET (ioredis)', baseline: true, op: async () => void (await redis.getBuffer(floorKey)) },
      {
        name: 'GetProduct, cache hit',
        processes: targets.catalog.pid === undefined ? undefined : { catalog: targets.catalog.pid },
        probe: targets.catalog.metricsUrl ? productCacheProbe(targets.catalog.metricsUrl) : undefined,
        op: async (worker) => void (await get(catalog, idFor(worker))),
      },
    ];
    if (await redis.exists(key(ids[0]))) {
      variants.push({
        name: 'GetProduct, cache miss',
        processes: targets.catalog.pid === undefined ? undefined : { catalog: targets.catalog.pid },
        probe: targets.catalog.metricsUrl ? productCacheProbe(targets.catalog.metricsUrl) : undefined,
        op: async (worker) => {
          const id = idFor(worker);
          await redis.del(key(id));
          const t0 = performance.now();
          await get(catalog, id);
          return { latencyMs: performance.now() - t0 };
        },
      });
      notes.push(
        "Cache miss: the benchmark deletes the product's key before each call; latency is the RPC alone, throughput includes that DEL (about one Redis GET row latency).",
      );
    } else {
      notes.push(`Cache miss skipped: no key ${key(ids[0])} after a read (did the catalog's key layout change?).`);
    }
    if (uncached) {
      variants.push({
        name: 'GetProduct, Redis unreachable',
        processes: targets.catalogWithoutRedis!.pid === undefined ? undefined : { catalog: targets.catalogWithoutRedis!.pid },
        probe: targets.catalogWithoutRedis!.metricsUrl ? productCacheProbe(targets.catalogWithoutRedis!.metricsUrl) : undefined,
        op: async (worker) => void (await get(uncached, idFor(worker))),
      });
    }
    const results = await compareVariants('cache', variants, settings);
    const named = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
    const floor = named('plain Redis')!;
    const hit = named('GetProduct, cache hit')!;
    const miss = named('GetProduct, cache miss');
    const down = named('GetProduct, Redis unreachable');
    const figures: Record<string, number> = {
      'p50 ms, hit − Redis GET (the RPC around the GET)': hit.latency.p50Ms - floor.latency.p50Ms,
    };
    if (miss) {
      figures['throughput ratio, hit / miss'] = hit.throughput / miss.throughput;
      figures['p50 ratio, miss / hit'] = miss.latency.p50Ms / hit.latency.p50Ms;
    }
    if (down) figures['throughput ratio, hit / Redis unreachable'] = hit.throughput / down.throughput;
    for (const result of [hit, miss, down]) {
      const observed = result?.extra?.observed as Record<string, number> | undefined;
      if (!result || !observed) continue;
      const lookups = observed.hit + observed.miss + observed.error;
      if (lookups > 0)
        notes.push(
          `${result.name}: the catalog counted ${observed.hit} hits, ${observed.miss} misses, ${observed.error} without Redis (hit ratio ${((observed.hit / lookups) * 100).toFixed(1)}%).`,
        );
    }
    return { id: 'cache', title: 'Cached read: catalog GetProduct hit vs. miss vs. a plain Redis GET', figures, variants: results, notes };
  } finally {
    await redis.del(floorKey).catch(() => undefined);
    redis.disconnect();
    catalog.close();
    uncached?.close();
  }
}
