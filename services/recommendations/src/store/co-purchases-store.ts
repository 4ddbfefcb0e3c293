import type { Knex } from 'knex';
import type { Db } from '../../../../platform/db';
import type { CoPurchasePair } from '../domain/co-purchases';

const TABLE = 'co_purchases';
// Rows per upsert statement: an order of 50 products is 2,450 pairs.
const CHUNK = 500;

export interface CoPurchaseCount {
  productId: string;
  count: number;
}

/**
 * Co-purchase counts in MySQL rather than Redis sorted sets: the consumer
 * claims each OrderCreated in the transaction that increments them, so an
 * event delivered twice counts once with no second bookkeeping, and the
 * counts are durable data (backed up, never evicted) instead of a cache to
 * rebuild. A read is one primary-key range per given product, fast enough
 * here; ZINCRBY would be faster but needs its own dedupe to stay exact.
 */
export function createCoPurchasesStore(db: Db) {
  return {
    /** Adds one to each pair, in the caller's transaction (the one that claims the event). */
    async add(trx: Knex.Transaction, pairs: CoPurchasePair[]): Promise<void> {
      for (let i = 0; i < pairs.length; i += CHUNK) {
        const rows = pairs.slice(i, i + CHUNK).map(({ productId, otherId }) => ({ product_id: productId, other_id: otherId, count: 1 }));
        await trx(TABLE)
          .insert(rows)
          .onConflict(['product_id', 'other_id'])
          .merge({ count: trx.raw('?? + 1', [`${TABLE}.count`]) });
      }
    },

    /**
     * What was bought with any of `productIds`, counts summed over them, most
     * often first (then by id, for a stable order); none of `productIds` itself.
     */
    async boughtWith(productIds: string[], take: number): Promise<CoPurchaseCount[]> {
      const rows = (await db(TABLE)
        .select('other_id')
        .sum({ total: 'count' })
        .whereIn('product_id', productIds)
        .whereNotIn('other_id', productIds)
        .groupBy('other_id')
        .orderBy([
          { column: 'total', order: 'desc' },
          { column: 'other_id', order: 'asc' },
        ])
        .limit(take)) as { other_id: string; total: string | number }[];
      return rows.map((r) => ({ productId: r.other_id, count: Number(r.total) }));
    },
  };
}

export type CoPurchasesStore = ReturnType<typeof createCoPurchasesStore>;
