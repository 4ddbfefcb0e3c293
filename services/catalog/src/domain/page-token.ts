import { createHash } from 'node:crypto';

/** The last product of a page; the next page starts after it in (name, id) order. */
export interface PageCursor {
  name: string;
  id: string;
}

/**
 * Keyset paging rather than offsets: a product created or deleted while a
 * client pages does not shift later pages, so paging never repeats or skips
 * one. The token is base64url JSON, opaque to clients and unsigned: editing
 * it only moves where a page starts, which any client may ask for anyway.
 * It is bound to the filter it was issued for (AIP-158).
 */
interface TokenBody {
  v: 1;
  n: string;
  i: string;
  f: string;
}

export const filterFingerprint = (filter: unknown) => createHash('sha256').update(JSON.stringify(filter)).digest('base64url').slice(0, 12);

export function encodePageToken(cursor: PageCursor, filter: unknown): string {
  const body: TokenBody = { v: 1, n: cursor.name, i: cursor.id, f: filterFingerprint(filter) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The cursor in a token, or why the token cannot be used. */
export function readPageToken(token: string, filter: unknown): { cursor: PageCursor } | { problem: string } {
  const body = parse(token);
  if (!body) return { problem: 'is not a page token from a previous ListProducts response' };
  if (body.f !== filterFingerprint(filter)) return { problem: 'was issued for a different category or query' };
  return { cursor: { name: body.n, id: body.i } };
}

function parse(token: string): TokenBody | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody> | null;
    const valid = body?.v === 1 && typeof body.n === 'string' && typeof body.i === 'string' && typeof body.f === 'string';
    return valid ? (body as TokenBody) : undefined;
  } catch {
    return undefined;
  }
}
