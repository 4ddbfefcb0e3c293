import type { DescMethod, DescService, Message } from '@bufbuild/protobuf';
import { ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { isRetryable } from '../../../platform/rpc/method-policy';
import type { Contracts } from './contracts';
import { FORWARDED_HEADERS, type CallOptions, type Upstreams } from './upstreams';

/**
 * The Connect and gRPC-Web protocols for every public method, by proxy: the
 * router decodes with the descriptor set's schemas and each handler forwards
 * the message to the service over gRPC. Generic over the registry, so a new
 * contract needs no code here. Methods without an HTTP annotation (registry's
 * Register / Heartbeat) are internal and answer UNIMPLEMENTED, as Envoy blocks them.
 *
 * Native gRPC is off: it needs HTTP/2 trailers and this port speaks HTTP/1.1.
 * gRPC clients dial the services (or Envoy) directly.
 */
export function createConnectProxy(contracts: Pick<Contracts, 'registry' | 'services' | 'bindings'>, upstreams: Upstreams, maxBodyBytes: number) {
  return connectNodeAdapter({
    grpc: false,
    grpcWeb: true,
    connect: true,
    readMaxBytes: maxBodyBytes,
    jsonOptions: { registry: contracts.registry },
    routes(router) {
      for (const service of contracts.services) {
        const implementation: Record<string, unknown> = {};
        for (const method of service.methods) {
          if (contracts.bindings(method).length > 0) implementation[method.localName] = forward(method, upstreams);
        }
        router.service(service, implementation as Partial<ServiceImpl<DescService>>);
      }
    },
  });
}

function callOptions(ctx: HandlerContext): CallOptions {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = ctx.requestHeader.get(name);
    if (value !== null) headers[name] = value;
  }
  return { headers, signal: ctx.signal, timeoutMs: ctx.timeoutMs() };
}

/**
 * The upstream's code, message and details, without its metadata: that holds
 * the upstream's own protocol headers (content-type: application/grpc,
 * grpc-status, ...), which would otherwise leak into this response's headers.
 */
function clean(error: unknown): ConnectError {
  const upstream = ConnectError.from(error);
  const cleaned = new ConnectError(upstream.rawMessage, upstream.code, undefined, undefined, upstream.cause);
  cleaned.details.push(...upstream.details);
  return cleaned;
}

function forward(method: DescMethod, upstreams: Upstreams) {
  switch (method.methodKind) {
    case 'unary':
      return (request: Message, ctx: HandlerContext) =>
        upstreams.unary(method, request, { ...callOptions(ctx), idempotent: isRetryable(method) }).catch((error) => {
          throw clean(error);
        });
    case 'server_streaming':
      return async function* serverStream(request: Message, ctx: HandlerContext) {
        try {
          yield* upstreams.serverStream(method, request, callOptions(ctx));
        } catch (error) {
          throw clean(error);
        }
      };
    case 'client_streaming':
      return (requests: AsyncIterable<Message>, ctx: HandlerContext) =>
        upstreams.clientStream(method, requests, callOptions(ctx)).catch((error) => {
          throw clean(error);
        });
    case 'bidi_streaming':
      return async function* bidiStream(requests: AsyncIterable<Message>, ctx: HandlerContext) {
        try {
          yield* upstreams.bidiStream(method, requests, callOptions(ctx));
        } catch (error) {
          throw clean(error);
        }
      };
  }
}
