import { randomUUID } from 'node:crypto';
import type { Product } from '../../../gen/ts/shop/catalog/v1/catalog';

/** A catalog product for domain tests; override what the test is about. */
export function aProduct(fields: Partial<Omit<Product, 'price'>> & { priceMinor?: number; currency?: string } = {}): Product {
  const { priceMinor = 1000, currency = 'EUR', ...rest } = fields;
  return {
    id: randomUUID(),
    name: `Product ${randomUUID().slice(0, 6)}`,
    description: '',
    category: 'pizzas',
    price: { currencyCode: currency, amountMinor: String(priceMinor) },
    stock: 10,
    tags: [],
    imageUrl: '',
    createdAt: undefined,
    updatedAt: undefined,
    ...rest,
  };
}
