import type { ServerResponse } from 'node:http';
import type { Registry } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import type { Logger } from '../../../platform/logger';
import { statusOf } from './status-mapping';

/** Pretty-printed JSON, as Envoy's transcoder prints with `add_whitespace`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Any failure as an HTTP status and a google.rpc.Status JSON body. Edge bugs
 * (anything that is not a ConnectError) are logged in full and answered 500
 * `internal error`, never with their text.
 */
export function sendError(res: ServerResponse, error: unknown, registry: Registry, log: Logger, headers: Record<string, string> = {}): void {
  if (!(error instanceof ConnectError)) log.error({ err: error }, 'edge failure');
  const { httpStatus, body } = statusOf(error, registry);
  // Past the body limit the rest of the body is not worth reading: answer and close.
  sendJson(res, httpStatus, body, httpStatus === 413 ? { ...headers, connection: 'close' } : headers);
}
