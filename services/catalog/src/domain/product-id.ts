import { Violations } from '../../../../platform/errors';
import { isUuid, nameBasedId } from '../../../../platform/ids';

// Moved to platform/ids.ts (orders derive ids from names too); kept importable from here.
export { nameBasedId };

export const isProductId = isUuid;

/** Ids are compared, stored and cached lower-case, whatever case the caller used. */
export function parseProductId(value: string, field = 'id'): string {
  new Violations().check(isProductId(value), field, 'must be a product id (UUID)').throwIfAny();
  return value.toLowerCase();
}

/** uuid5(NAMESPACE_URL, "https://shopmesh.dev/catalog/products"). */
export const SEEDED_PRODUCTS_NAMESPACE = '0da816f7-8042-546e-9d82-f53d29857eaf';

export const slugOf = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * Stable ids of the seeded catalog ("burgers/classic-cheeseburger" always has
 * the same id), so tests, README examples and other services' fixtures can
 * name a product without looking it up first.
 */
export const seededProductId = (category: string, name: string) => nameBasedId(SEEDED_PRODUCTS_NAMESPACE, `${category}/${slugOf(name)}`);
