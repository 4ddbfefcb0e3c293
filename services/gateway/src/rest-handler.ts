import type { IncomingMessage, ServerResponse } from 'node:http';
import { toJson, type JsonValue, type Message, type Registry } from '@bufbuild/protobuf';
import type { Logger } from '../../../platform/logger';
import { getJsonPath } from './field-path';
import { sendError, sendJson } from './json-reply';
import { bindRequest } from './request-binding';
import { readBody } from './request-body';
import type { RestRoute, RouteMatch } from './route-table';
import { createStreamSink, streamFormatFor } from './server-stream';
import { statusOf } from './status-mapping';
import { forwardedHeaders, type Upstreams } from './upstreams';

export interface RestHandlerOptions {
  registry: Registry;
  upstreams: Upstreams;
  maxBodyBytes: number;
  /** Aborted at shutdown: open streams end cleanly. */
  drain: AbortSignal;
  log: Logger;
  /** How long a stream may stay silent before its 200 headers go out anyway. */
  streamCommitMs?: number;
  sseHeartbeatMs?: number;
}

/**
 * Serves one matched REST route: binds the request from URL and body, calls
 * the service over gRPC with the caller's Authorization, and answers the
 * response as proto3 JSON (unary) or as an SSE / NDJSON stream.
 */
export function createRestHandler(options: RestHandlerOptions) {
  const { registry, upstreams, log } = options;
  // Like Envoy's always_print_primitive_fields: zero values are printed, not omitted.
  const json = (route: RestRoute, message: Message): JsonValue => {
    const whole = toJson(route.method.output, message, { registry, alwaysEmitImplicit: true });
    return route.responseBody ? ((getJsonPath(whole, route.responseBody) ?? null) as JsonValue) : whole;
  };

  return async function handleRest(req: IncomingMessage, res: ServerResponse, match: RouteMatch): Promise<void> {
    const { route } = match;
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const signal = AbortSignal.any([gone.signal, options.drain]);
    try {
      const body = route.body ? await readBody(req, options.maxBodyBytes, req.headers['content-length']) : undefined;
      const request = bindRequest({ match, query: (req.url ?? '').split('?')[1] ?? '', body }, registry);
      const headers = forwardedHeaders(req.headers);

      if (route.method.methodKind === 'unary') {
        const response = await upstreams.unary(route.method, request, { headers, signal, idempotent: route.httpMethod === 'GET' });
        sendJson(res, 200, json(route, response));
        return;
      }
      await stream(req, res, route, upstreams.serverStream(route.method, request, { headers, signal }));
    } catch (error) {
      if (!res.destroyed) sendError(res, error, registry, log);
    }
  };

  async function stream(req: IncomingMessage, res: ServerResponse, route: RestRoute, messages: AsyncIterable<Message>): Promise<void> {
    const sink = createStreamSink(res, streamFormatFor(req.headers.accept), options.sseHeartbeatMs ?? 15_000);
    const commitLater = setTimeout(() => sink.commit(), options.streamCommitMs ?? 1_000);
    try {
      for await (const message of messages) sink.write(json(route, message));
      sink.end();
    } catch (error) {
      if (res.destroyed) return;
      if (options.drain.aborted) return sink.end();
      if (!sink.committed) throw error;
      sink.end(statusOf(error, registry).body);
    } finally {
      clearTimeout(commitLater);
    }
  }
}
