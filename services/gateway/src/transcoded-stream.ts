import type { ServerResponse } from 'node:http';
import type { TranscoderOptions } from './transcoder-options';

type PrintOptions = TranscoderOptions['print_options'];

/**
 * The body of a server-streaming REST call, framed as Envoy's print options
 * say: a JSON array by default (`[{..},{..}]`), one message per line with
 * `stream_newline_delimited`, or Server-Sent Events (`data: {..}\n\n`) with
 * `stream_sse_style_delimited`. google.api.HttpBody messages are written raw
 * under the first message's content type.
 *
 * Headers wait for the first message (or `commitMs` of silence), so an RPC
 * that fails at once still gets its real status, like a trailers-only gRPC
 * response through Envoy.
 */
export interface TranscodedStream {
  write(json: string): void;
  writeRaw(contentType: string, data: Uint8Array): void;
  readonly committed: boolean;
  end(): void;
  /** Stops the timers; safe to call more than once. */
  dispose(): void;
}

/** An SSE comment: keeps idle proxies from closing a quiet stream; clients ignore it. */
const SSE_HEARTBEAT = ': keep-alive\n\n';

export function createTranscodedStream(res: ServerResponse, print: PrintOptions, timing: { commitMs: number; sseHeartbeatMs: number }): TranscodedStream {
  const format = print.stream_sse_style_delimited ? 'sse' : print.stream_newline_delimited ? 'lines' : 'array';
  let committed = false;
  let count = 0;
  let raw = false;
  let heartbeat: NodeJS.Timeout | undefined;
  const commit = (contentType = format === 'sse' ? 'text/event-stream' : 'application/json') => {
    if (committed) return;
    committed = true;
    clearTimeout(commitLater);
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    if (format === 'sse' && !raw && timing.sseHeartbeatMs > 0) {
      heartbeat = setInterval(() => res.write(SSE_HEARTBEAT), timing.sseHeartbeatMs);
      heartbeat.unref();
    }
  };
  const commitLater = setTimeout(() => commit(), timing.commitMs);
  const dispose = () => {
    clearTimeout(commitLater);
    clearInterval(heartbeat);
  };
  // The heartbeat must stop when the client leaves, not when the upstream next speaks.
  res.once('close', dispose);

  return {
    get committed() {
      return committed;
    },
    write(json) {
      commit();
      const frame = format === 'sse' ? `data: ${json}\n\n` : format === 'lines' ? `${json}\n` : `${count === 0 ? '[' : ','}${json}`;
      count++;
      res.write(frame);
    },
    writeRaw(contentType, data) {
      if (!committed) {
        raw = true;
        commit(contentType);
      }
      count++;
      res.write(data);
    },
    end() {
      dispose();
      if (res.writableEnded || res.destroyed) return;
      commit();
      res.end(format === 'array' && !raw ? (count === 0 ? '[]' : ']') : undefined);
    },
    dispose,
  };
}
