import * as grpc from '@grpc/grpc-js';
import { RpcError } from '../../platform/errors';

/** Deadline of every benchmark call: long enough never to fire on a healthy target. */
const DEADLINE_MS = 10_000;

/**
 * The plainest grpc-js client: one channel, promise-wrapped unary calls, no
 * interceptors or metrics. Every unary benchmark uses it, so comparisons
 * differ only on the server side.
 */
export function rawGrpcClient(address: string) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return {
    unary<Req, Res>(
      path: string,
      serialize: (request: Req) => Buffer,
      deserialize: (bytes: Buffer) => Res,
      request: Req,
      metadata = new grpc.Metadata(),
    ): Promise<Res> {
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(path, serialize, deserialize, request, metadata, { deadline: Date.now() + DEADLINE_MS }, (error, response) => {
          if (error) reject(RpcError.fromStatus(error.code, error.details, error.metadata));
          else resolve(response!);
        });
      });
    },
    close: () => client.close(),
  };
}

export type RawGrpcClient = ReturnType<typeof rawGrpcClient>;

interface GeneratedMethod<Req, Res> {
  path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(value: Buffer): Res;
}

/** A unary call of a generated (ts-proto) service method over a raw client. */
export function callMethod<Req, Res>(client: RawGrpcClient, method: GeneratedMethod<Req, Res>, request: Req, metadata?: grpc.Metadata): Promise<Res> {
  return client.unary(
    method.path,
    (r: Req) => method.requestSerialize(r),
    (b) => method.responseDeserialize(b),
    request,
    metadata,
  );
}

export function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}
