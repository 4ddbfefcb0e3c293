import { Metadata, status as Code } from '@grpc/grpc-js';
import { BadRequest, ErrorInfo, PreconditionFailure, ResourceInfo } from '../gen/ts/google/rpc/error_details';
import { Status } from '../gen/ts/google/rpc/status';

export { Code };

/** Where our ErrorInfo reasons come from (google.rpc.ErrorInfo.domain). */
export const ERROR_DOMAIN = 'shopmesh.dev';
const DETAILS_KEY = 'grpc-status-details-bin';
const TYPE_PREFIX = 'type.googleapis.com/';

export interface FieldViolation {
  field: string;
  description: string;
}

export interface ErrorDetails {
  /** google.rpc.BadRequest */
  fieldViolations?: FieldViolation[];
  /** google.rpc.ErrorInfo: a stable UPPER_SNAKE reason clients can switch on. */
  reason?: string;
  metadata?: Record<string, string>;
  /** google.rpc.ResourceInfo */
  resource?: { type: string; name: string };
  /** google.rpc.PreconditionFailure */
  preconditionViolations?: { type: string; subject: string; description: string }[];
}

/**
 * The one error type of shopmesh: a gRPC code, a message safe to show a caller,
 * and google.rpc details. Thrown where the failure is understood; the server
 * turns it into a status with `grpc-status-details-bin`, clients turn statuses
 * back into it.
 */
export class RpcError extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'RpcError';
  }

  static from(error: unknown): RpcError | undefined {
    return error instanceof RpcError ? error : undefined;
  }

  /** Trailing metadata carrying the google.rpc.Status with our details. */
  toMetadata(): Metadata {
    const metadata = new Metadata();
    metadata.set(DETAILS_KEY, Buffer.from(Status.encode(this.toStatus()).finish()));
    return metadata;
  }

  toStatus(): Status {
    const d = this.details;
    const details: { typeUrl: string; value: Buffer }[] = [];
    const pack = (name: string, bytes: Uint8Array) => details.push({ typeUrl: TYPE_PREFIX + name, value: Buffer.from(bytes) });
    if (d.reason) {
      pack('google.rpc.ErrorInfo', ErrorInfo.encode({ reason: d.reason, domain: ERROR_DOMAIN, metadata: d.metadata ?? {} }).finish());
    }
    if (d.fieldViolations?.length) {
      pack(
        'google.rpc.BadRequest',
        BadRequest.encode({
          fieldViolations: d.fieldViolations.map((v) => ({ ...v, reason: '', localizedMessage: undefined })),
        }).finish(),
      );
    }
    if (d.resource) {
      pack(
        'google.rpc.ResourceInfo',
        ResourceInfo.encode({
          resourceType: d.resource.type,
          resourceName: d.resource.name,
          owner: '',
          description: '',
        }).finish(),
      );
    }
    if (d.preconditionViolations?.length) {
      pack('google.rpc.PreconditionFailure', PreconditionFailure.encode({ violations: d.preconditionViolations }).finish());
    }
    return { code: this.code, message: this.message, details };
  }

  /** Rebuilds an RpcError from a grpc-js status (client side). */
  static fromStatus(code: Code, message: string, metadata?: Metadata): RpcError {
    const raw = metadata?.get(DETAILS_KEY)[0];
    const details: ErrorDetails = {};
    if (Buffer.isBuffer(raw)) {
      for (const any of Status.decode(raw).details) {
        const type = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
        if (type === 'google.rpc.ErrorInfo') {
          const info = ErrorInfo.decode(any.value);
          details.reason = info.reason;
          details.metadata = info.metadata;
        } else if (type === 'google.rpc.BadRequest') {
          details.fieldViolations = BadRequest.decode(any.value).fieldViolations.map(({ field, description }) => ({ field, description }));
        } else if (type === 'google.rpc.ResourceInfo') {
          const info = ResourceInfo.decode(any.value);
          details.resource = { type: info.resourceType, name: info.resourceName };
        } else if (type === 'google.rpc.PreconditionFailure') {
          details.preconditionViolations = PreconditionFailure.decode(any.value).violations;
        }
      }
    }
    return new RpcError(code, message, details);
  }
}

export const invalidArgument = (fieldViolations: FieldViolation[], message?: string) =>
  new RpcError(Code.INVALID_ARGUMENT, message ?? `invalid ${fieldViolations.map((v) => v.field).join(', ')}`, {
    fieldViolations,
    reason: 'INVALID_ARGUMENT',
  });

export const notFound = (type: string, name: string) =>
  new RpcError(Code.NOT_FOUND, `${type} ${name} not found`, { resource: { type, name }, reason: `${type.toUpperCase()}_NOT_FOUND` });

export const alreadyExists = (type: string, name: string, reason: string) =>
  new RpcError(Code.ALREADY_EXISTS, `${type} ${name} already exists`, { resource: { type, name }, reason });

export const failedPrecondition = (message: string, reason: string, metadata?: Record<string, string>) =>
  new RpcError(Code.FAILED_PRECONDITION, message, { reason, metadata });

export const unauthenticated = (message = 'authentication required') => new RpcError(Code.UNAUTHENTICATED, message, { reason: 'UNAUTHENTICATED' });

export const permissionDenied = (message = 'permission denied') => new RpcError(Code.PERMISSION_DENIED, message, { reason: 'PERMISSION_DENIED' });

export const unavailable = (message: string, reason = 'DEPENDENCY_UNAVAILABLE') => new RpcError(Code.UNAVAILABLE, message, { reason });

/** Collects field violations so a request reports every bad field at once. */
export class Violations {
  private readonly list: FieldViolation[] = [];

  add(field: string, description: string): this {
    this.list.push({ field, description });
    return this;
  }

  check(condition: boolean, field: string, description: string): this {
    if (!condition) this.add(field, description);
    return this;
  }

  throwIfAny(): void {
    if (this.list.length) throw invalidArgument(this.list);
  }
}
