import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers browsers may send: REST, Connect and gRPC-Web clients. */
export const ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'x-request-id',
  'traceparent',
  'tracestate',
  'connect-protocol-version',
  'connect-timeout-ms',
  'x-grpc-web',
  'x-user-agent',
  'grpc-timeout',
].join(', ');

/** Response headers scripts may read: gRPC-Web/Connect status and the rate limit's advice. */
const EXPOSE_HEADERS = ['grpc-status', 'grpc-message', 'grpc-status-details-bin', 'retry-after'].join(', ');

/**
 * CORS for browsers on other origins (the storefront itself is same-origin).
 * Sets the headers on every response from an allowed origin and answers
 * preflights; returns true when it answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || !(allowedOrigins.includes('*') || allowedOrigins.includes(origin))) return false;
  res.setHeader('access-control-allow-origin', allowedOrigins.includes('*') ? '*' : origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    'access-control-allow-headers': ALLOW_HEADERS,
    'access-control-max-age': '86400',
  });
  res.end();
  return true;
}
