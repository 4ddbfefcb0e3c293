import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DescField, DescMessage, Message, Registry } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import type { Logger } from '../../../platform/logger';
import { isRetryable } from '../../../platform/rpc/method-policy';
import type { Contracts } from './contracts';
import { asConnectError, createJsonPrinter, type JsonPrinter } from './json-print';
import type { LocalReplies } from './local-reply';
import { buildRequests, resolveBindings, UnknownQueryParameter, type Binding, type BindingOptions } from './request-binding';
import { readBody } from './request-body';
import { buildRouteTable, type RouteMatch, type RouteTable } from './route-table';
import { httpStatusOf, isEdgeError } from './status-mapping';
import { createTranscodedStream } from './transcoded-stream';
import { DEFAULT_BUFFER_LIMIT, type TranscoderOptions } from './transcoder-options';
import { forwardedHeaders, type Upstreams } from './upstreams';

/** Everything one GrpcJsonTranscoder config needs at request time, built once per config. */
export interface Transcoding {
  options: TranscoderOptions;
  routes: RouteTable;
  printer: JsonPrinter;
  binding: BindingOptions;
  maxRequestBytes: number;
  maxResponseBytes: number;
}

export function createTranscoding(options: TranscoderOptions, contracts: Contracts): Transcoding {
  return {
    options,
    routes: buildRouteTable(contracts, {
      services: options.services,
      autoMapping: options.auto_mapping,
      matchUnregisteredCustomVerb: options.match_unregistered_custom_verb,
    }),
    printer: createJsonPrinter(options.print_options, contracts.registry),
    binding: {
      ignoredQueryParameters: new Set(options.ignored_query_parameters),
      ignoreUnknownQueryParameters: options.ignore_unknown_query_parameters,
      rejectBindingBodyFieldCollisions: options.request_validation_options.reject_binding_body_field_collisions,
      queryParamUnescapePlus: options.query_param_unescape_plus,
      caseInsensitiveEnumParsing: options.case_insensitive_enum_parsing,
    },
    maxRequestBytes: options.max_request_body_size ?? DEFAULT_BUFFER_LIMIT,
    maxResponseBytes: options.max_response_body_size ?? DEFAULT_BUFFER_LIMIT,
  };
}

export interface RestHandlerOptions {
  registry: Registry;
  upstreams: Upstreams;
  localReplies: LocalReplies;
  /** Aborted at shutdown: open streams end cleanly. */
  drain: AbortSignal;
  log: Logger;
  /** How long a stream may stay silent before its 200 headers go out anyway. */
  streamCommitMs?: number;
  sseHeartbeatMs?: number;
}

/** What the transcoder decided for a request, before any of its body is read. */
export type TranscodeDecision =
  | { kind: 'transcode'; match: RouteMatch; bindings: Binding[] }
  /** Envoy passes it on untranscoded (no rule matches, or an unknown query parameter, with validation off). */
  | { kind: 'pass' }
  /** Envoy answers it itself (404 unknown method, 400 unknown query parameter). */
  | { kind: 'reject'; status: number; message: string };

export function decide(t: Transcoding, method: string, url: string): TranscodeDecision {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const match = t.routes.match(method, url, t.options.url_unescape_spec);
  if (!match) {
    return t.options.request_validation_options.reject_unknown_method
      ? { kind: 'reject', status: 404, message: `Could not resolve ${path} to a method.` }
      : { kind: 'pass' };
  }
  try {
    return { kind: 'transcode', match, bindings: resolveBindings(match, q < 0 ? '' : url.slice(q + 1), t.binding) };
  } catch (error) {
    if (!(error instanceof UnknownQueryParameter)) throw error;
    return t.options.request_validation_options.reject_unknown_query_parameters ? { kind: 'reject', status: 400, message: error.message } : { kind: 'pass' };
  }
}

const HTTP_BODY = 'google.api.HttpBody';

/**
 * Serves one transcoded REST call the way Envoy's grpc_json_transcoder does:
 * builds the gRPC request(s) from URL and body, calls the service with the
 * caller's Authorization, and answers with the options of the route's
 * transcoder config: print options, HttpBody as raw bytes, `grpc-status` /
 * `grpc-message` headers, and errors either as google.rpc.Status JSON
 * (`convert_grpc_status`) or as the bare status headers.
 */
export function createRestHandler(options: RestHandlerOptions) {
  const { registry, upstreams, log, localReplies } = options;

  const localReply = (req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => {
    if (res.headersSent) return void res.end();
    const reply = localReplies(status, message, req.headers);
    res.writeHead(reply.status, { ...headers, 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.body) });
    res.end(reply.body);
  };

  const fail = (req: IncomingMessage, res: ServerResponse, t: Transcoding, error: unknown) => {
    if (res.destroyed) return;
    if (isEdgeError(error)) {
      // Past the body limit the rest of the body is not worth reading: answer and close.
      const close: Record<string, string> = error.httpStatus === 413 ? { connection: 'close' } : {};
      return localReply(req, res, error.httpStatus ?? httpStatusOf(error.code), error.rawMessage, close);
    }
    if (!(error instanceof ConnectError)) {
      log.error({ err: error }, 'edge failure');
      return localReply(req, res, 500, 'internal error');
    }
    if (res.headersSent) return void res.end();
    const status = httpStatusOf(error.code);
    if (t.options.convert_grpc_status) {
      const body = t.printer.status(error);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      return void res.end(body);
    }
    // Without conversion Envoy hands the trailers-only response on as it came: status headers
    // (the details in grpc-status-details-bin too), no body.
    const details = error.metadata.get('grpc-status-details-bin');
    res.writeHead(status, {
      'content-type': 'application/grpc',
      'grpc-status': String(error.code),
      'grpc-message': encodeURIComponent(error.rawMessage),
      ...(details ? { 'grpc-status-details-bin': details } : {}),
      'content-length': 0,
    });
    res.end();
  };

  const sendUnary = (req: IncomingMessage, res: ServerResponse, t: Transcoding, match: RouteMatch, response: Message) => {
    const { route } = match;
    const httpBody = httpBodyOf(route.method.output, response, route.responseBody);
    if (httpBody) {
      res.writeHead(200, { 'content-type': httpBody.contentType, 'content-length': httpBody.data.length, 'grpc-status': '0' });
      return void res.end(httpBody.data);
    }
    const text = t.printer.text(t.printer.value(route.method.output, response, route.responseBody));
    const length = Buffer.byteLength(text);
    if (length > t.maxResponseBytes) {
      return localReply(req, res, 500, "Response not transcoded because the transcoder's internal buffer size exceeds the configured limit.");
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': length, 'grpc-status': '0' });
    res.end(text);
  };

  return async function handleRest(req: IncomingMessage, res: ServerResponse, t: Transcoding, match: RouteMatch, bindings: Binding[]): Promise<void> {
    const { route } = match;
    const kind = route.method.methodKind;
    // A unary call ends when its client leaves (the response's 'close' before the answer: grpc-unary.ts, no
    // AbortSignal per read) and gets the grace period at shutdown; streams end with the client or at shutdown.
    let signal: AbortSignal | undefined;
    const streamSignal = () => {
      const gone = new AbortController();
      res.once('close', () => res.writableFinished || gone.abort());
      signal = AbortSignal.any([gone.signal, options.drain]);
      return signal;
    };
    try {
      const clientStreams = kind === 'client_streaming' || kind === 'bidi_streaming';
      const body = route.body || clientStreams ? await readBody(req, t.maxRequestBytes, req.headers['content-length']) : undefined;
      const requests = buildRequests(match, bindings, body, req.headers['content-type'], t.binding, registry);
      const headers = forwardedHeaders(req.headers);
      // Retried on UNAVAILABLE only when the contract says so (idempotency_level), like Envoy's routes.
      const idempotent = isRetryable(route.method);

      if (kind === 'unary') {
        return sendUnary(req, res, t, match, await upstreams.unary(route.method, requests[0], { headers, caller: res, idempotent }));
      }
      if (kind === 'client_streaming') {
        return sendUnary(req, res, t, match, await upstreams.clientStream(route.method, iterate(requests), { headers, signal: streamSignal() }));
      }
      const messages =
        kind === 'server_streaming'
          ? upstreams.serverStream(route.method, requests[0], { headers, signal: streamSignal() })
          : upstreams.bidiStream(route.method, iterate(requests), { headers, signal: streamSignal() });
      const stream = createTranscodedStream(res, t.options.print_options, {
        commitMs: options.streamCommitMs ?? 1_000,
        sseHeartbeatMs: options.sseHeartbeatMs ?? 15_000,
      });
      try {
        for await (const message of messages) {
          const httpBody = httpBodyOf(route.method.output, message, route.responseBody);
          if (httpBody) stream.writeRaw(httpBody.contentType, httpBody.data);
          else stream.write(t.printer.text(t.printer.value(route.method.output, message, route.responseBody)).trimEnd());
        }
        stream.end();
      } catch (error) {
        if (res.destroyed) return;
        // At shutdown, or once the 200 is out, the stream just ends (HTTP/1.1 has no trailers to carry the status).
        if (options.drain.aborted || stream.committed) return stream.end();
        throw error;
      } finally {
        stream.dispose();
      }
    } catch (error) {
      const cancelled = signal ? signal.aborted : res.destroyed;
      fail(req, res, t, cancelled && !(error instanceof ConnectError) ? asConnectError(error) : error);
    }
  };
}

async function* iterate(messages: Message[]): AsyncIterable<Message> {
  yield* messages;
}

/** google.api.HttpBody responses (whole or as response_body) go out as raw bytes with their content type. */
function httpBodyOf(output: DescMessage, message: Message, responseBody: DescField[] | undefined): { contentType: string; data: Uint8Array } | undefined {
  let desc: DescMessage | undefined = output;
  let node: any = message;
  for (const field of responseBody ?? []) {
    desc = field.fieldKind === 'message' ? field.message : undefined;
    node = node?.[field.localName];
  }
  if (desc?.typeName !== HTTP_BODY) return undefined;
  return { contentType: node?.contentType ?? '', data: node?.data ?? new Uint8Array() };
}
