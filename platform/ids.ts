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
