import type { ServerResponse } from 'node:http';
import type { JsonValue } from '@bufbuild/protobuf';
import type { StatusJson } from './status-mapping';

/**
 * How a server-streaming RPC reaches a browser: Server-Sent Events by default
 * (EventSource works out of the box; the same `data: <json>` framing as Envoy's
 * `stream_sse_style_delimited`), or newline-delimited JSON when the client
 * sends `Accept: application/x-ndjson` (Envoy's `stream_newline_delimited`).
 */
export type StreamFormat = 'sse' | 'ndjson';

export const NDJSON = 'application/x-ndjson';

export function streamFormatFor(accept: string | undefined): StreamFormat {
  return accept?.toLowerCase().includes(NDJSON) ? 'ndjson' : 'sse';
}

export const STREAM_HEADERS: Record<StreamFormat, Record<string, string>> = {
  sse: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
  ndjson: { 'content-type': `${NDJSON}; charset=utf-8`, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
};

/** One message: a single line of proto3 JSON, so a frame can never be split by its own newlines. */
export function messageFrame(format: StreamFormat, message: JsonValue): string {
  const line = JSON.stringify(message);
  return format === 'sse' ? `data: ${line}\n\n` : `${line}\n`;
}

/**
 * A failure after the first message, when the HTTP status is already sent:
 * an SSE `error` event, or a last NDJSON line `{"error": <google.rpc.Status>}`.
 */
export function errorFrame(format: StreamFormat, status: StatusJson): string {
  return format === 'sse' ? `event: error\ndata: ${JSON.stringify(status)}\n\n` : `${JSON.stringify({ error: status })}\n`;
}

/** An SSE comment: keeps idle proxies and load balancers from closing a quiet stream. */
export const SSE_HEARTBEAT = ': keep-alive\n\n';

export interface StreamSink {
  /** Writes one message, sending the 200 headers first if they are not out yet. */
  write(message: JsonValue): void;
  /** Sends the headers now: the stream is healthy even if no message came yet. */
  commit(): void;
  readonly committed: boolean;
  /** Ends the stream cleanly, or with an error frame when the status is already sent. */
  end(error?: StatusJson): void;
}

/**
 * The response side of a stream. Headers wait for the first message (or the
 * caller's commit after a short window), so an RPC that fails at once still
 * gets its real HTTP status and google.rpc.Status body, like a trailers-only
 * gRPC response through Envoy.
 */
export function createStreamSink(res: ServerResponse, format: StreamFormat, heartbeatMs: number): StreamSink {
  let committed = false;
  let heartbeat: NodeJS.Timeout | undefined;
  // A client that leaves ends nothing upstream by itself: without this, the
  // heartbeat would keep writing into a closed response for as long as the process runs.
  res.once('close', () => clearInterval(heartbeat));
  const commit = () => {
    if (committed) return;
    committed = true;
    res.writeHead(200, STREAM_HEADERS[format]);
    res.flushHeaders();
    if (format === 'sse' && heartbeatMs > 0 && !res.destroyed) {
      heartbeat = setInterval(() => res.write(SSE_HEARTBEAT), heartbeatMs);
      heartbeat.unref();
    }
  };
  return {
    get committed() {
      return committed;
    },
    commit,
    write(message) {
      commit();
      res.write(messageFrame(format, message));
    },
    end(error) {
      clearInterval(heartbeat);
      if (res.writableEnded || res.destroyed) return;
      commit();
      res.end(error ? errorFrame(format, error) : undefined);
    },
  };
}
