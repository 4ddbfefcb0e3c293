import { createHash } from 'node:crypto';
import { Violations } from '../../../../platform/errors';
import { isUuid } from '../../../../platform/ids';

export const isProductId = isUuid;

/** Ids are compared, stored and cached lower-case, whatever case the caller used. */
export function parseProductId(value: string, field = 'id'): string {
  new Violations().check(isProductId(value), field, 'must be a product id (UUID)').throwIfAny();
  return value.toLowerCase();
}

/**
 * RFC 9562 version 5 (SHA-1, name-based) UUID: the same name always gives the
 * same id, and anyone can recompute it with a standard uuid library.
 */
export function nameBasedId(namespace: string, name: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

/** uuid5(NAMESPACE_URL, "https://shopmesh.dev/catalog/products"). */
export const SEEDED_PRODUCTS_NAMESPACE = '0da816f7-8042-546e-9d82-f53d29857eaf';

export const slugOf = (text: string) =>
  text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/**
 * Stable ids of the seeded catalog ("burgers/classic-cheeseburger" always has
 * the same id), so tests, README examples and other services' fixtures can
 * name a product without looking it up first.
 */
export const seededProductId = (category: string, name: string) =>
  nameBasedId(SEEDED_PRODUCTS_NAMESPACE, `${category}/${slugOf(name)}`);
