import { counter } from './metrics';

/** Metrics of platform/cache.ts. */
export const cacheMetrics = {
  requests: counter('cache_requests_total', 'Cache lookups by cache name and result (hit, miss, error).', ['cache', 'result']),
};
