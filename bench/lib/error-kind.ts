import { Code, RpcError } from '../../platform/errors';

/** A failure as a short stable label for counting: the gRPC code name, `HTTP 429`, or the error's own code. */
export function errorKind(error: unknown): string {
  if (error instanceof RpcError) return Code[error.code] ?? `code ${error.code}`;
  const e = error as { status?: unknown; code?: unknown; name?: unknown };
  if (typeof e?.status === 'number') return `HTTP ${e.status}`;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.name === 'string' && e.name !== 'Error') return e.name;
  return 'error';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
