import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Endpoint } from './upstream-pool';
import type { Upstreams } from './upstreams';

/** Headers of one hop only, never forwarded (RFC 9113 §8.2.2), and what HTTP/2 sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'host']);

/**
 * Native gRPC (HTTP/2, `application/grpc`) sent to the edge port goes to the
 * service as it came, frames untouched, as Envoy's router proxies it: request
 * headers and messages up, response headers, messages and trailers
 * (grpc-status, grpc-message, grpc-status-details-bin) down, cancellation
 * both ways. Any stream kind, since nothing is decoded. Only the methods the
 * edge serves (those with an HTTP annotation, like the Connect proxy and
 * Envoy's routes): the rest are internal and answer UNIMPLEMENTED.
 */
export function createGrpcPassThrough(services: DescService[], isPublic: (path: string) => boolean, upstreams: Upstreams) {
  const serviceOf = new Map<string, DescService>();
  for (const service of services) for (const method of service.methods) serviceOf.set(`/${service.typeName}/${method.name}`, service);

  return async function passThrough(downstream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const path = String(headers[':path'] ?? '');
    const service = serviceOf.get(path);
    if (!service || !isPublic(path)) return grpcTrailersOnly(downstream, Code.Unimplemented, `method ${path} is not served at the edge`);
    let upstream: ClientHttp2Stream;
    let endpoint: Endpoint;
    try {
      endpoint = await upstreams.endpoint(service);
      upstream = await endpoint.session.request('POST', path, forwardable(headers), {});
    } catch (error) {
      return grpcTrailersOnly(downstream, Code.Unavailable, ConnectError.from(error).rawMessage);
    }
    if (downstream.destroyed || downstream.closed) return void upstream.close(constants.NGHTTP2_CANCEL);

    let trailers: OutgoingHttpHeaders = {};
    upstream.on('response', (head, flags) => {
      if (downstream.destroyed) return;
      const response = forwardable(head, true);
      // Trailers-only (an error before any message): the status is in these headers.
      if (flags & constants.NGHTTP2_FLAG_END_STREAM) return downstream.respond(response, { endStream: true });
      downstream.respond(response, { waitForTrailers: true });
      upstream.pipe(downstream);
    });
    upstream.on('data', () => endpoint.session.notifyResponseByteRead(upstream));
    upstream.on('trailers', (t) => (trailers = forwardable(t)));
    // The stream is taken over from node's compatibility response, which would send its own (empty) trailers.
    downstream.removeAllListeners('wantTrailers');
    downstream.on('wantTrailers', () => downstream.sendTrailers(trailers));
    upstream.on('error', () => undefined); // the close below says what happened
    upstream.on('close', () => {
      if (downstream.destroyed || downstream.closed) return;
      if (!downstream.headersSent) return grpcTrailersOnly(downstream, Code.Unavailable, `the upstream closed the stream (${upstream.rstCode})`);
      // Headers went out and no trailers came: the call is broken, as the upstream's reset says.
      if (upstream.rstCode !== constants.NGHTTP2_NO_ERROR) downstream.close(upstream.rstCode);
    });
    // The client went away, or cancelled: so does the call.
    downstream.on('close', () => {
      if (!upstream.closed) upstream.close(constants.NGHTTP2_CANCEL);
    });
    downstream.pipe(upstream);
  };
}

/** Whether a request is native gRPC (not gRPC-Web: that is the Connect proxy's). */
export function isNativeGrpc(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.startsWith('application/grpc') && !contentType.startsWith('application/grpc-web');
}

/** A gRPC status with no messages, in the response headers (a "Trailers-Only" response). */
export function grpcTrailersOnly(stream: ServerHttp2Stream, code: Code, message: string): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) return void stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  stream.respond(
    { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeURIComponent(message) },
    { endStream: true },
  );
}

function forwardable(headers: IncomingHttpHeaders, keepStatus = false): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    if (name.startsWith(':') && !(keepStatus && name === ':status')) continue;
    out[name] = value;
  }
  return out;
}
