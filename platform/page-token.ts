import { createHash } from 'node:crypto';
import { Violations } from './errors';

/** A token's sort key, or why the token cannot be used (a page_token field violation). */
export type TokenReading = { key: string[] } | { problem: string };

export interface PageTokenOptions {
  /**
   * The sort key of a token body written in an earlier format, so tokens
   * clients hold across a deploy keep working; undefined when it is none.
   */
  legacyKey?: (body: Record<string, unknown>) => string[] | undefined;
}

/**
 * Opaque keyset page tokens (AIP-158): base64url JSON holding the sort key of
 * the last item of a page, bound to the filter it was issued for. Keyset
 * rather than offsets, so rows written while a client pages never make a page
 * repeat or skip an item. Unsigned: editing one only moves where a page starts,
 * which any caller may ask for anyway. Most lists want platform/keyset-page.ts,
 * which adds the query and the typed sort key on top.
 */
export function createPageTokens(rpc: string, { legacyKey }: PageTokenOptions = {}) {
  const fingerprint = (filter: unknown) =>
    createHash('sha256')
      .update(JSON.stringify(filter ?? null))
      .digest('base64url')
      .slice(0, 12);
  const notOurs = `is not a page token from a previous ${rpc} response`;

  function parse(token: string): Record<string, unknown> | undefined {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    try {
      const body: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  const isKey = (key: unknown): key is string[] => Array.isArray(key) && key.every((k) => typeof k === 'string');

  /** The sort key a non-empty token carries, or the problem to report for the page_token field. */
  function read(token: string, filter?: unknown): TokenReading {
    const body = parse(token);
    const key = body?.v === 1 ? (isKey(body.k) ? body.k : legacyKey?.(body)) : undefined;
    if (!body || !key) return { problem: notOurs };
    if (body.f !== fingerprint(filter)) return { problem: 'was issued for a different filter' };
    return { key };
  }

  return {
    encode(key: string[], filter?: unknown): string {
      return Buffer.from(JSON.stringify({ v: 1, k: key, f: fingerprint(filter) })).toString('base64url');
    },

    read,

    /** The sort key after which the page starts, or undefined for the first page; INVALID_ARGUMENT for a token that is not ours. */
    decode(token: string, filter?: unknown): string[] | undefined {
      if (!token) return undefined;
      const reading = read(token, filter);
      if ('problem' in reading) new Violations().add('page_token', reading.problem).throwIfAny();
      return (reading as { key: string[] }).key;
    },
  };
}

export interface PageSizeLimits {
  defaultSize?: number;
  max?: number;
}

/** page_size: 0 means the default; negative or above the maximum is refused (added to `violations` when given, thrown otherwise). */
export function pageSize(requested: number, { defaultSize = 20, max = 100 }: PageSizeLimits = {}, violations?: Violations): number {
  const v = violations ?? new Violations();
  v.check(Number.isInteger(requested) && requested >= 0 && requested <= max, 'page_size', `must be from 0 to ${max} (0 means ${defaultSize})`);
  if (!violations) v.throwIfAny();
  return requested === 0 ? defaultSize : requested;
}
