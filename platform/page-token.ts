import { createHash } from 'node:crypto';
import { invalidArgument, Violations } from './errors';

/**
 * Opaque keyset page tokens (AIP-158): base64url JSON holding the sort key of
 * the last item of a page, bound to the filter it was issued for. Keyset
 * rather than offsets, so rows written while a client pages never make a page
 * repeat or skip an item. Unsigned: editing one only moves where a page starts,
 * which any caller may ask for anyway.
 */
export function createPageTokens(rpc: string) {
  const fingerprint = (filter: unknown) =>
    createHash('sha256')
      .update(JSON.stringify(filter ?? null))
      .digest('base64url')
      .slice(0, 12);
  const refuse = (description: string) => invalidArgument([{ field: 'page_token', description }]);

  return {
    encode(key: string[], filter?: unknown): string {
      return Buffer.from(JSON.stringify({ v: 1, k: key, f: fingerprint(filter) })).toString('base64url');
    },

    /** The sort key after which the page starts, or undefined for the first page. */
    decode(token: string, filter?: unknown): string[] | undefined {
      if (!token) return undefined;
      let body: { v?: unknown; k?: unknown; f?: unknown } | null = null;
      try {
        if (/^[A-Za-z0-9_-]+$/.test(token)) body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      } catch {
        body = null;
      }
      const key = body?.k;
      if (body?.v !== 1 || !Array.isArray(key) || !key.every((k) => typeof k === 'string')) {
        throw refuse(`is not a page token from a previous ${rpc} response`);
      }
      if (body.f !== fingerprint(filter)) throw refuse('was issued for a different filter');
      return key as string[];
    },
  };
}

/** page_size: 0 means the default; negative or above the maximum is refused. */
export function pageSize(requested: number, { defaultSize = 20, max = 100 } = {}): number {
  new Violations().check(requested >= 0 && requested <= max, 'page_size', `must be between 0 and ${max} (0 means ${defaultSize})`).throwIfAny();
  return requested === 0 ? defaultSize : requested;
}
