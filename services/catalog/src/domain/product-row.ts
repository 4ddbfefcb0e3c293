import type { Product } from '../../../../gen/ts/shop/catalog/v1/catalog';

/** A `products` row as mysql2 returns it (BIGINT as a decimal string). */
export interface ProductRow {
  id: string;
  name: string;
  description: string;
  category: string;
  price_minor: string;
  currency: string;
  stock: number;
  image_url: string;
  created_at: Date;
  updated_at: Date;
}

export function toProduct(row: ProductRow, tags: string[]): Product {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    category: row.category,
    price: { currencyCode: row.currency, amountMinor: String(row.price_minor) },
    stock: row.stock,
    tags,
    imageUrl: row.image_url,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toRow(product: Product): ProductRow {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    category: product.category,
    price_minor: product.price?.amountMinor ?? '0',
    currency: product.price?.currencyCode ?? '',
    stock: product.stock,
    image_url: product.imageUrl,
    created_at: product.createdAt ?? new Date(),
    updated_at: product.updatedAt ?? new Date(),
  };
}

/** `product_tags` rows: position keeps the order the admin gave. */
export const toTagRows = (product: Pick<Product, 'id' | 'tags'>) => product.tags.map((tag, position) => ({ product_id: product.id, position, tag }));
