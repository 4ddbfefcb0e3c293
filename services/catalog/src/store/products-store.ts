import type { Db } from '../../../../platform/db';
import type { Outbox } from '../../../../platform/events/outbox';
import { ProductChanged_ChangeType as ChangeType } from '../../../../gen/ts/shop/catalog/v1/events';
import type { Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { applyChanges, categoryNameOf } from '../domain/product';
import { productPages, type ProductPageQuery } from '../domain/product-listing';
import { toRow, toTagRows, type ProductRow } from '../domain/product-row';
import type { ProductChanges } from '../domain/product-rules';
import { categoriesWithCounts, matching, withTags } from './product-reads';

type Transaction = Parameters<Parameters<Db['transaction']>[0]>[0];

export function createProductsStore(db: Db, outbox: Outbox) {
  /**
   * Products name their category by slug; the contract has no category RPCs,
   * so the first product in a new category creates it with a name from its slug.
   */
  const ensureCategory = (trx: Transaction, slug: string) =>
    trx('categories')
      .insert({ slug, name: categoryNameOf(slug) })
      .onConflict('slug')
      .ignore();

  const emit = (trx: Transaction, product: Product, changeType: ChangeType) =>
    outbox.add(trx, 'ProductChanged', product.id, { changeType, product, changedAt: product.updatedAt });

  return {
    /** One page in (name, id) order plus one product more when another page follows, and the filter's total. */
    async page(query: ProductPageQuery): Promise<{ products: Product[]; totalSize: number }> {
      const [rows, [{ total }]] = await Promise.all([
        productPages.query(matching(db, query.filter).select('products.*'), query.page),
        matching(db, query.filter).count({ total: '*' }),
      ]);
      return { products: await withTags(db, rows as ProductRow[]), totalSize: Number(total) };
    },

    async byIds(ids: string[]): Promise<Map<string, Product>> {
      const rows: ProductRow[] = await db('products').whereIn('id', [...new Set(ids)]);
      return new Map((await withTags(db, rows)).map((p) => [p.id, p]));
    },

    categories: () => categoriesWithCounts(db),

    /** The product, its tags and its ProductChanged event in one transaction. */
    async insert(product: Product): Promise<void> {
      await db.transaction(async (trx) => {
        await ensureCategory(trx, product.category);
        await trx('products').insert(toRow(product));
        if (product.tags.length) await trx('product_tags').insert(toTagRows(product));
        await emit(trx, product, ChangeType.CHANGE_TYPE_CREATED);
      });
    },

    /**
     * Applies the changes under a row lock, so concurrent updates of one
     * product serialize and each event snapshots what was really committed.
     * Undefined when the product does not exist.
     */
    async update(id: string, changes: ProductChanges, now: Date): Promise<{ product: Product; changed: boolean } | undefined> {
      const result = await db.transaction(async (trx) => {
        const rows: ProductRow[] = await trx('products').where({ id }).forUpdate();
        if (rows.length === 0) return undefined;
        const [current] = await withTags(trx, rows);
        const next = applyChanges(current, changes, now);
        if (!next) return { product: current, changed: false };
        if (next.category !== current.category) await ensureCategory(trx, next.category);
        const { id: _id, created_at: _created, ...row } = toRow(next);
        await trx('products').where({ id }).update(row);
        if (changes.tags) {
          await trx('product_tags').where({ product_id: id }).delete();
          if (next.tags.length) await trx('product_tags').insert(toTagRows(next));
        }
        await emit(trx, next, ChangeType.CHANGE_TYPE_UPDATED);
        return { product: next, changed: true };
      });
      return result;
    },
  };
}

export type ProductsStore = ReturnType<typeof createProductsStore>;
