import { createHash } from 'node:crypto';
import { Violations } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every id in shopmesh is a UUID (random v4, or name-based v5 for seeded data). */
export const isUuid = (value: string) => UUID.test(value);

/**
 * A request's id field, checked and lower-cased (ids are stored, compared and
 * cached lower-case, whatever case the caller used); INVALID_ARGUMENT names
 * the field otherwise.
 */
export function parseId(value: string, field: string, kind: string): string {
  new Violations().check(isUuid(value), field, `must be ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} id (UUID)`).throwIfAny();
  return value.toLowerCase();
}

/**
 * RFC 9562 version 5 (SHA-1, name-based) UUID: the same name always gives the
 * same id, and anyone can recompute it with a standard uuid library.
 */
export function nameBasedId(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}
