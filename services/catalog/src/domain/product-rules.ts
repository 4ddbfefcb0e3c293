import { Violations } from '../../../../platform/errors';
import type { Money } from '../../../../gen/ts/shop/common/v1/money';
import type { CreateProductRequest, UpdateProductRequest } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { isProductId } from './product-id';

export const LIMITS = {
  nameMax: 120,
  descriptionMax: 2000,
  amountMax: 1_000_000_000,
  stockMax: 1_000_000,
  tagsMax: 20,
  tagMax: 32,
  imageUrlMax: 512,
};

export const CATEGORY_SLUG = /^[a-z][a-z0-9-]{1,39}$/;
const CURRENCY = /^[A-Z]{3}$/;
// int64 arrives as a decimal string (ts-proto forceLong=string); longer than
// 10 digits is out of range anyway, so Number() below is always exact.
const AMOUNT = /^-?\d{1,10}$/;

/** What an admin sets on a product, normalized. */
export interface ProductFields {
  name: string;
  description: string;
  category: string;
  price: Money;
  stock: number;
  tags: string[];
  imageUrl: string;
}

export type ProductChanges = Partial<ProductFields>;

const check = {
  name(v: Violations, value: string) {
    const name = value.trim();
    v.check(name.length >= 1 && name.length <= LIMITS.nameMax, 'name', `must be 1-${LIMITS.nameMax} characters`);
    return name;
  },
  description(v: Violations, value: string) {
    v.check(value.length <= LIMITS.descriptionMax, 'description', `must be at most ${LIMITS.descriptionMax} characters`);
    return value.trim();
  },
  category(v: Violations, value: string) {
    v.check(CATEGORY_SLUG.test(value), 'category', 'must be a slug: a lower-case letter, then 1-39 lower-case letters, digits or dashes');
    return value;
  },
  price(v: Violations, price: Money | undefined): Money {
    if (!price) {
      v.add('price', 'is required');
      return { currencyCode: '', amountMinor: '0' };
    }
    v.check(CURRENCY.test(price.currencyCode), 'price.currency_code', 'must be an ISO 4217 code: 3 upper-case letters');
    const amount = AMOUNT.test(price.amountMinor) ? Number(price.amountMinor) : NaN;
    v.check(amount > 0 && amount <= LIMITS.amountMax, 'price.amount_minor', `must be an integer from 1 to ${LIMITS.amountMax} (minor units)`);
    return { currencyCode: price.currencyCode, amountMinor: Number.isNaN(amount) ? price.amountMinor : String(amount) };
  },
  stock(v: Violations, value: number) {
    v.check(Number.isInteger(value) && value >= 0 && value <= LIMITS.stockMax, 'stock', `must be from 0 to ${LIMITS.stockMax}`);
    return value;
  },
  /** Tags are search terms: trimmed, lower-case, each once, in the caller's order. */
  tags(v: Violations, values: string[]) {
    v.check(values.length <= LIMITS.tagsMax, 'tags', `must have at most ${LIMITS.tagsMax} tags`);
    const tags = values.map((tag) => tag.trim().toLowerCase());
    tags.forEach((tag, i) => v.check(tag.length >= 1 && tag.length <= LIMITS.tagMax, `tags[${i}]`, `must be 1-${LIMITS.tagMax} characters`));
    return [...new Set(tags)];
  },
  imageUrl(v: Violations, value: string) {
    v.check(
      value === '' || (value.length <= LIMITS.imageUrlMax && isHttpUrl(value)),
      'image_url',
      `must be empty or an http(s) URL of at most ${LIMITS.imageUrlMax} characters`,
    );
    return value;
  },
};

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Every problem of a new product at once, named by its proto field. */
export function validateNewProduct(req: CreateProductRequest): ProductFields {
  const v = new Violations();
  const fields: ProductFields = {
    name: check.name(v, req.name),
    description: check.description(v, req.description),
    category: check.category(v, req.category),
    price: check.price(v, req.price),
    stock: check.stock(v, req.stock),
    tags: check.tags(v, req.tags),
    imageUrl: check.imageUrl(v, req.imageUrl),
  };
  v.throwIfAny();
  return fields;
}

/** The fields an update sets; unset optional fields are not part of it. */
export function validateProductUpdate(req: UpdateProductRequest): { id: string; changes: ProductChanges } {
  const v = new Violations();
  v.check(isProductId(req.id), 'id', 'must be a product id (UUID)');
  const changes: ProductChanges = {};
  if (req.name !== undefined) changes.name = check.name(v, req.name);
  if (req.description !== undefined) changes.description = check.description(v, req.description);
  if (req.category !== undefined) changes.category = check.category(v, req.category);
  if (req.price !== undefined) changes.price = check.price(v, req.price);
  if (req.stock !== undefined) changes.stock = check.stock(v, req.stock);
  if (req.imageUrl !== undefined) changes.imageUrl = check.imageUrl(v, req.imageUrl);
  if (req.replaceTags) {
    changes.tags = check.tags(v, req.tags);
  } else {
    // Silently dropping tags the caller sent would look like a successful update.
    v.check(req.tags.length === 0, 'replace_tags', 'must be true when tags are given (an empty list with replace_tags clears them)');
  }
  v.throwIfAny();
  return { id: req.id.toLowerCase(), changes };
}
