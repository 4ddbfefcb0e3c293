import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { RpcError } from '../../../../platform/errors';

const DETAILS_KEY = 'grpc-status-details-bin';

/**
 * A called service's own failure, answered as it was: its code, its message
 * and its google.rpc details byte for byte, whatever detail types they hold
 * (RpcError alone would keep only the types the platform knows).
 */
export class UpstreamError extends RpcError {
  private readonly rawDetails?: Buffer;

  constructor(error: Partial<ServiceError> & { code: number }) {
    const parsed = RpcError.fromStatus(error.code, error.details ?? '', error.metadata);
    super(parsed.code, parsed.message, parsed.details);
    const raw = error.metadata?.get(DETAILS_KEY)[0];
    this.rawDetails = Buffer.isBuffer(raw) ? raw : undefined;
  }

  override toMetadata(): Metadata {
    if (!this.rawDetails) return super.toMetadata();
    const metadata = new Metadata();
    metadata.set(DETAILS_KEY, this.rawDetails);
    return metadata;
  }
}
