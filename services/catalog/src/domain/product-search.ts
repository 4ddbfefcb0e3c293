import type { Violations } from '../../../../platform/errors';

export const QUERY_LIMITS = { chars: 100, terms: 8 };

/**
 * A query is words, each of which must appear (case-insensitively) in the
 * name, the description or a tag: "spicy burger" finds a burger tagged spicy.
 * Sorted, so word order does not make a different cache key or page token.
 */
export function searchTerms(query: string): string[] {
  return [...new Set(query.toLowerCase().split(/\s+/).filter(Boolean))].sort();
}

export function checkQuery(v: Violations, query: string, terms: string[]): void {
  v.check(query.length <= QUERY_LIMITS.chars, 'query', `must be at most ${QUERY_LIMITS.chars} characters`);
  v.check(terms.length <= QUERY_LIMITS.terms, 'query', `must have at most ${QUERY_LIMITS.terms} words`);
}

/** A SQL LIKE pattern matching text that contains the term literally. */
export const containsPattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
