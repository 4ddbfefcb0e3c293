import { counter, histogram } from '../../../platform/metrics';

/**
 * RED metrics of the edge. `route` is the annotation's path template
 * ("/v1/users/{user_id}"), the Connect/gRPC-Web method path, or a fixed name
 * ("docs", "static", "unmatched"), never the raw URL: bounded cardinality.
 */
export const httpMetrics = {
  requests: counter('http_requests_total', 'HTTP requests answered by the edge, by route, method and status.', ['route', 'method', 'status']),
  seconds: histogram('http_request_duration_seconds', 'Time from request to the end of the response (whole stream for SSE).', ['route', 'method']),
};
