import { LATENCY_BUCKETS, prom, registry } from '../../../platform/metrics';

function once<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * RED metrics of the edge. `route` is the annotation's path template
 * ("/v1/users/{user_id}"), the Connect/gRPC-Web method path, or a fixed name
 * ("docs", "static", "unmatched"), never the raw URL: bounded cardinality.
 */
export const httpMetrics = {
  requests: once(
    'http_requests_total',
    () =>
      new prom.Counter({
        name: 'http_requests_total',
        help: 'HTTP requests answered by the edge, by route, method and status.',
        labelNames: ['route', 'method', 'status'],
      }),
  ),
  seconds: once(
    'http_request_duration_seconds',
    () =>
      new prom.Histogram({
        name: 'http_request_duration_seconds',
        help: 'Time from request to the end of the response (whole stream for SSE).',
        labelNames: ['route', 'method'],
        buckets: LATENCY_BUCKETS,
      }),
  ),
};
