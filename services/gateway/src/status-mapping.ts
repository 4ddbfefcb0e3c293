import { create, fromBinary, toJson, type JsonObject, type Registry } from '@bufbuild/protobuf';
import { base64Encode } from '@bufbuild/protobuf/wire';
import { Code, ConnectError } from '@connectrpc/connect';

/**
 * gRPC status → HTTP status, exactly as Envoy's transcoder maps it
 * (Grpc::Utility::grpcToHttpStatus).
 */
const HTTP_STATUS: Record<number, number> = {
  0: 200, // OK
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

export function httpStatusOf(code: number): number {
  return HTTP_STATUS[code] ?? 500;
}

/**
 * A failure the edge itself answers (bad JSON, unknown route, body too large,
 * rate limited): a gRPC code for the body and, where HTTP has a more precise
 * word than the code's mapping (413), that status.
 */
export class EdgeError extends ConnectError {
  /** ConnectError's Symbol.hasInstance makes every ConnectError `instanceof EdgeError`: this tells them apart. */
  readonly answeredByEdge = true;
  // The name stays "ConnectError": connect's instanceof checks rely on it.
  constructor(
    message: string,
    code: Code,
    readonly httpStatus?: number,
  ) {
    super(message, code);
  }
}

/** A failure the edge answers itself (Envoy's local reply), not an upstream's gRPC status. */
export const isEdgeError = (error: unknown): error is EdgeError => error instanceof ConnectError && (error as Partial<EdgeError>).answeredByEdge === true;

const TYPE_URL_PREFIX = 'type.googleapis.com/';

export const badRequest = (message: string) => new EdgeError(message, Code.InvalidArgument);

/** google.rpc.Status as JSON: what Envoy's `convert_grpc_status` answers. */
export interface StatusJson {
  code: number;
  message: string;
  details: JsonObject[];
}

/**
 * Renders any failure as google.rpc.Status JSON with its details (BadRequest,
 * ErrorInfo, ...) decoded through the descriptor registry, "@type" first as
 * Envoy prints it. Anything that is not a ConnectError is an edge bug: it
 * becomes INTERNAL without its text.
 */
export function statusOf(error: unknown, registry: Registry): { httpStatus: number; body: StatusJson } {
  const connect = error instanceof ConnectError ? error : new ConnectError('internal error', Code.Internal);
  const options = { registry, alwaysEmitImplicit: true };
  const details = connect.details.map((detail): JsonObject => {
    if ('desc' in detail) {
      return { '@type': `${TYPE_URL_PREFIX}${detail.desc.typeName}`, ...(toJson(detail.desc, create(detail.desc, detail.value), options) as JsonObject) };
    }
    const typeUrl = `${TYPE_URL_PREFIX}${detail.type}`;
    const desc = registry.getMessage(detail.type);
    try {
      if (desc) return { '@type': typeUrl, ...(toJson(desc, fromBinary(desc, detail.value), options) as JsonObject) };
    } catch {
      // Undecodable bytes fall through to the opaque form below.
    }
    return { '@type': typeUrl, value: base64Encode(detail.value) };
  });
  const httpStatus = (connect as Partial<EdgeError>).httpStatus ?? httpStatusOf(connect.code);
  return { httpStatus, body: { code: connect.code, message: connect.rawMessage, details } };
}
