import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import { findTrailerError } from '@connectrpc/connect/protocol-grpc';
import type { Http2SessionManager } from '@connectrpc/connect-node';

/**
 * One unary gRPC call on an HTTP/2 session, without a client stack: the
 * edge's hot path (a REST read is one of these). @connectrpc/connect's
 * client runs every call through async iterables, a linked AbortSignal and a
 * Headers object per step, which cost the gateway more than the whole call
 * to the service did (npm run bench -- --only edge --profile). The session
 * handling (connect, PING keep-alive, GOAWAY) stays connect-node's
 * Http2SessionManager, and errors are read by connect's own
 * findTrailerError, so statuses and details come out as its clients see them.
 */
export interface UnaryCall {
  /** `/package.Service/Method` */
  path: string;
  /** The serialized request message. */
  message: Uint8Array;
  /** Request metadata (lower-case names, ASCII values). */
  metadata: Record<string, string>;
  timeoutMs: number;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** The HTTP response the call answers: its 'close' before it finished cancels the call (no AbortSignal per read). */
  caller?: Caller;
}

export interface Caller {
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  readonly writableFinished: boolean;
  readonly destroyed: boolean;
}

const HEADERS: OutgoingHttpHeaders = {
  'content-type': 'application/grpc+proto',
  te: 'trailers',
  'user-agent': 'shopmesh-gateway',
};

export function grpcUnary(session: Http2SessionManager, call: UnaryCall): Promise<Uint8Array> {
  if (call.signal?.aborted || call.caller?.destroyed) return Promise.reject(new ConnectError('the client went away', Code.Canceled));
  const headers: OutgoingHttpHeaders = { ...HEADERS, ...call.metadata, 'grpc-timeout': `${call.timeoutMs}m` };
  return session.request('POST', call.path, headers, {}).then(
    (stream) => exchange(session, stream, call),
    (error) => Promise.reject(unavailable(error)),
  );
}

function exchange(session: Http2SessionManager, stream: ClientHttp2Stream, call: UnaryCall): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    let head: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    let failure: ConnectError | undefined;
    const cancel = (error: ConnectError) => {
      failure ??= error;
      stream.close(constants.NGHTTP2_CANCEL);
    };
    const timer = setTimeout(() => cancel(new ConnectError('the deadline expired', Code.DeadlineExceeded)), call.timeoutMs);
    const onAbort = () => cancel(new ConnectError('the client went away', Code.Canceled));
    call.signal?.addEventListener('abort', onAbort, { once: true });
    const onGone = () => call.caller?.writableFinished || onAbort();
    call.caller?.once('close', onGone);

    stream.on('response', (h) => (head = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      session.notifyResponseByteRead(stream);
    });
    stream.on('error', (error: NodeJS.ErrnoException) => {
      failure ??= error.code === 'ERR_HTTP2_STREAM_ERROR' ? resetError(stream.rstCode, head) : unavailable(error);
    });
    stream.on('close', () => {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
      call.caller?.off('close', onGone);
      if (failure) return reject(failure);
      const status = trailers ?? head;
      if (!status || status['grpc-status'] === undefined) return reject(resetError(stream.rstCode, head));
      if (status['grpc-status'] !== '0') return reject(statusError(status));
      try {
        resolve(unframe(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
    const envelope = Buffer.allocUnsafe(5 + call.message.length);
    envelope[0] = 0;
    envelope.writeUInt32BE(call.message.length, 1);
    envelope.set(call.message, 5);
    stream.end(envelope);
  });
}

/** The one message of a unary response (uncompressed: no grpc-accept-encoding is offered). */
function unframe(data: Buffer): Uint8Array {
  if (data.length < 5) throw new ConnectError('protocol error: missing output message for unary method', Code.Unimplemented);
  if (data[0] & 1) throw new ConnectError('protocol error: compressed response without grpc-accept-encoding', Code.Internal);
  const length = data.readUInt32BE(1);
  if (data.length !== 5 + length) throw new ConnectError('protocol error: one message expected in a unary response', Code.Unimplemented);
  return data.subarray(5);
}

/** The service's status, as connect's clients read it (grpc-status-details-bin first). */
export function statusError(status: IncomingHttpHeaders): ConnectError {
  return findTrailerError(toHeaders(status)) ?? new ConnectError('invalid grpc-status', Code.Internal);
}

export function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (name.startsWith(':') || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, String(value));
  }
  return headers;
}

/** A stream that ended without a gRPC status: the RST_STREAM code as gRPC's spec maps it. */
function resetError(rstCode: number, head: IncomingHttpHeaders | undefined): ConnectError {
  if (head && Number(head[':status']) !== 200) {
    return new ConnectError(`upstream answered HTTP ${head[':status']} without a gRPC status`, Code.Unavailable);
  }
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return new ConnectError('the upstream refused the stream', Code.Unavailable);
    case constants.NGHTTP2_CANCEL:
      return new ConnectError('the upstream cancelled the call', Code.Canceled);
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return new ConnectError('the upstream asked to slow down', Code.ResourceExhausted);
    default:
      return new ConnectError(`the upstream closed the stream without a status (${rstCode})`, Code.Internal);
  }
}

/** Connection failures (refused, reset, GOAWAY): the instance is unavailable, as for connect's clients. */
function unavailable(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  return new ConnectError(error instanceof Error ? error.message : String(error), Code.Unavailable, undefined, undefined, error);
}
