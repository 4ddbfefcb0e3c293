import type { Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import type { ProductChanges, ProductFields } from './product-rules';

export function newProduct(id: string, fields: ProductFields, now: Date): Product {
  return { id, ...fields, createdAt: now, updatedAt: now };
}

/**
 * The product after an update, or undefined when the update changes nothing,
 * so a repeated update writes nothing and emits no event.
 */
export function applyChanges(current: Product, changes: ProductChanges, now: Date): Product | undefined {
  const next: Product = { ...current, ...changes };
  return sameContent(current, next) ? undefined : { ...next, updatedAt: now };
}

function sameContent(a: Product, b: Product): boolean {
  return (
    a.name === b.name &&
    a.description === b.description &&
    a.category === b.category &&
    a.price?.currencyCode === b.price?.currencyCode &&
    a.price?.amountMinor === b.price?.amountMinor &&
    a.stock === b.stock &&
    a.imageUrl === b.imageUrl &&
    a.tags.join('\n') === b.tags.join('\n')
  );
}

/** "ice-cream" -> "Ice cream": the name a category gets when a product creates it. */
export const categoryNameOf = (slug: string) => {
  const words = slug.replace(/-+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};
