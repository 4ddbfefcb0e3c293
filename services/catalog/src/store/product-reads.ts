import type { Knex } from 'knex';
import type { Category, Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import type { ProductFilter } from '../domain/product-listing';
import { toProduct, type ProductRow } from '../domain/product-row';
import { containsPattern } from '../domain/product-search';

/** Products matching a filter. Matching relies on the schema's case-insensitive utf8mb4 collation. */
export function matching(db: Knex | Knex.Transaction, filter: ProductFilter): Knex.QueryBuilder {
  const query = db('products');
  if (filter.category) query.where('products.category', filter.category);
  for (const term of filter.terms) {
    const pattern = containsPattern(term);
    query.where((any) =>
      any
        .where('products.name', 'like', pattern)
        .orWhere('products.description', 'like', pattern)
        .orWhereExists(db('product_tags').select(db.raw('1')).whereRaw('product_tags.product_id = products.id').where('product_tags.tag', 'like', pattern)),
    );
  }
  return query;
}

/** Rows with their tags: one query for the tags of all of them. */
export async function withTags(db: Knex | Knex.Transaction, rows: ProductRow[]): Promise<Product[]> {
  if (rows.length === 0) return [];
  const tagRows: { product_id: string; tag: string }[] = await db('product_tags')
    .select('product_id', 'tag')
    .whereIn(
      'product_id',
      rows.map((r) => r.id),
    )
    .orderBy(['product_id', 'position']);
  const tags = new Map<string, string[]>();
  for (const { product_id, tag } of tagRows) tags.set(product_id, [...(tags.get(product_id) ?? []), tag]);
  return rows.map((row) => toProduct(row, tags.get(row.id) ?? []));
}

export async function categoriesWithCounts(db: Knex): Promise<Category[]> {
  const rows: { slug: string; name: string; product_count: string | number }[] = await db('categories')
    .leftJoin('products', 'products.category', 'categories.slug')
    .groupBy('categories.slug', 'categories.name')
    .orderBy('categories.name')
    .select('categories.slug', 'categories.name')
    .count({ product_count: 'products.id' });
  return rows.map((r) => ({ slug: r.slug, name: r.name, productCount: Number(r.product_count) }));
}
