import * as grpc from '@grpc/grpc-js';
import { fromBinary, fromJson, toBinary, toJson, type DescMethod, type FileRegistry, type JsonObject } from '@bufbuild/protobuf';
import { Code, invalidArgument, RpcError } from '../../../../platform/errors';
import { endRpcSpan, startClientSpan } from '../../../../platform/rpc/rpc-tracing';
import { UpstreamError } from './upstream-error';

export interface DynamicCall {
  channel: grpc.Client;
  /** The called service's types, from its reflection. */
  registry: FileRegistry;
  method: DescMethod;
  /** The request in wire format (`encodeRequest`). */
  body: Buffer;
  metadata: grpc.Metadata;
  /** Epoch ms. */
  deadline: number;
  signal: AbortSignal;
}

const passBytes = (bytes: Buffer) => bytes;
const pathOf = (method: DescMethod) => `/${method.parent.typeName}/${method.name}`;

/**
 * The request in the service's own wire format, from its descriptors. A
 * request that does not fit the message (unknown field, wrong type) is the
 * caller's mistake: INVALID_ARGUMENT on `request`, never a call.
 */
export function encodeRequest(method: DescMethod, registry: FileRegistry, request: JsonObject): Buffer {
  try {
    return Buffer.from(toBinary(method.input, fromJson(method.input, request, { registry })));
  } catch (error) {
    throw invalidArgument([{ field: 'request', description: `not a ${method.input.typeName} in proto3 JSON: ${(error as Error).message}` }]);
  }
}

const decode = (method: DescMethod, registry: FileRegistry, bytes: Buffer): JsonObject =>
  toJson(method.output, fromBinary(method.output, bytes), { registry }) as JsonObject;

function failure(error: unknown): RpcError {
  const e = error as Partial<grpc.ServiceError>;
  return typeof e.code === 'number' ? new UpstreamError(e as grpc.ServiceError) : new RpcError(Code.UNKNOWN, 'the call failed');
}

/** A unary call; the answer as proto3 JSON, or the service's status as an UpstreamError. */
export function callUnary(call: DynamicCall): Promise<JsonObject> {
  return new Promise((resolve, reject) => {
    // A CLIENT span whose context goes with the call: the callee's span joins the caller's trace.
    const span = startClientSpan(call.method.parent.typeName, call.method.name, call.metadata);
    const pending = call.channel.makeUnaryRequest(
      pathOf(call.method),
      passBytes,
      passBytes,
      call.body,
      call.metadata,
      { deadline: call.deadline },
      (error, response) => {
        call.signal.removeEventListener('abort', cancel);
        if (span) endRpcSpan(span, error?.code ?? (response ? Code.OK : Code.UNKNOWN), error?.details);
        if (error || !response) return reject(failure(error));
        try {
          resolve(decode(call.method, call.registry, response));
        } catch {
          reject(new RpcError(Code.DATA_LOSS, `the answer of ${call.method.parent.typeName}/${call.method.name} does not decode with its reflected contract`));
        }
      },
    );
    const cancel = () => pending.cancel();
    call.signal.addEventListener('abort', cancel, { once: true });
  });
}

/**
 * A server stream, read until it ends, `maxMessages` arrived or the deadline
 * passed. The last two cut it (`truncated`): a live stream (a watch) never
 * ends on its own, and what arrived until then is the answer.
 */
export async function callServerStream(call: DynamicCall, maxMessages: number): Promise<{ messages: JsonObject[]; truncated: boolean }> {
  const span = startClientSpan(call.method.parent.typeName, call.method.name, call.metadata);
  // grpc's own deadline is a little later: at ours the stream is cut, not failed.
  const stream = call.channel.makeServerStreamRequest(pathOf(call.method), passBytes, passBytes, call.body, call.metadata, { deadline: call.deadline + 1_000 });
  const messages: JsonObject[] = [];
  let truncated = false;
  const cut = () => {
    truncated = true;
    stream.cancel();
  };
  const timer = setTimeout(cut, Math.max(0, call.deadline - Date.now()));
  const cancel = () => stream.cancel();
  call.signal.addEventListener('abort', cancel, { once: true });
  try {
    for await (const bytes of stream as AsyncIterable<Buffer>) {
      messages.push(decode(call.method, call.registry, bytes));
      if (messages.length >= maxMessages) {
        cut();
        break;
      }
    }
    if (span) endRpcSpan(span, Code.OK);
  } catch (error) {
    if (span) endRpcSpan(span, truncated ? Code.OK : ((error as Partial<grpc.ServiceError>).code ?? Code.UNKNOWN), (error as Error).message);
    if (!truncated) throw failure(error);
  } finally {
    clearTimeout(timer);
    call.signal.removeEventListener('abort', cancel);
    stream.cancel();
  }
  return { messages, truncated };
}
