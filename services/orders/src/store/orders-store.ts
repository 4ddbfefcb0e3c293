import type { Knex } from 'knex';
import type { Db } from '../../../../platform/db';
import { unlessDuplicate } from '../../../../platform/insert-if-absent';
import { keysetPaging, newestFirst, type PageRequest } from '../../../../platform/keyset-page';
import type { OrderStatus } from '../domain/order-status';
import type { PricedOrder } from '../domain/pricing';

export interface OrderRow {
  id: string;
  user_id: string;
  idempotency_key: string;
  status: OrderStatus;
  status_reason: string;
  currency: string;
  total_minor: string;
  created_at: Date;
  updated_at: Date;
}

export interface OrderItemRow {
  order_id: string;
  line_no: number;
  product_id: string;
  product_name: string;
  quantity: number;
  unit_price_minor: string;
  line_total_minor: string;
}

export interface StoredOrder {
  order: OrderRow;
  items: OrderItemRow[];
}

export type Transaction = Knex.Transaction;

/** ListOrders: a user's orders newest first, a keyset page at a time. */
export const orderPages = keysetPaging<StoredOrder>({ rpc: 'ListOrders', orderBy: newestFirst(), keyOf: ({ order }) => [order.created_at, order.id] });

export function createOrdersStore(db: Db) {
  async function withItems(order: OrderRow | undefined, conn: Knex = db): Promise<StoredOrder | undefined> {
    if (!order) return undefined;
    const items = await conn<OrderItemRow>('order_items').where({ order_id: order.id }).orderBy('line_no');
    return { order, items };
  }

  return {
    /**
     * Inserts the order, its items and whatever `alsoInTransaction` writes (its
     * OrderCreated event) atomically, and returns what it wrote (no read back:
     * the rows are exactly these). Undefined when the idempotency key was
     * taken meanwhile: the caller then reads the order that won.
     */
    async insert(order: OrderRow, priced: PricedOrder, alsoInTransaction: (trx: Transaction) => Promise<unknown>): Promise<StoredOrder | undefined> {
      const items: OrderItemRow[] = priced.lines.map((line, i) => ({
        order_id: order.id,
        line_no: i + 1,
        product_id: line.productId,
        product_name: line.productName,
        quantity: line.quantity,
        unit_price_minor: line.unitMinor.toString(),
        line_total_minor: line.lineMinor.toString(),
      }));
      return unlessDuplicate(async () => {
        await db.transaction(async (trx) => {
          await trx('orders').insert(order);
          await trx('order_items').insert(items);
          await alsoInTransaction(trx);
        });
        return { order, items };
      });
    },

    async byId(id: string, conn: Knex = db): Promise<StoredOrder | undefined> {
      return withItems(await conn<OrderRow>('orders').where({ id }).first(), conn);
    },

    /** The order row locked for update inside a transaction. */
    async lock(trx: Transaction, id: string): Promise<OrderRow | undefined> {
      return trx<OrderRow>('orders').where({ id }).forUpdate().first();
    },

    async byIdempotencyKey(userId: string, key: string): Promise<StoredOrder | undefined> {
      return withItems(await db<OrderRow>('orders').where({ user_id: userId, idempotency_key: key }).first());
    },

    /** The user's orders of `page` (see orderPages), with their items. */
    async listByUser(userId: string, page: PageRequest): Promise<StoredOrder[]> {
      const orders: OrderRow[] = await orderPages.query(db<OrderRow>('orders').where({ user_id: userId }), page);
      if (orders.length === 0) return [];
      const items = await db<OrderItemRow>('order_items')
        .whereIn(
          'order_id',
          orders.map((o) => o.id),
        )
        .orderBy(['order_id', 'line_no']);
      return orders.map((order) => ({ order, items: items.filter((i) => i.order_id === order.id) }));
    },

    async setStatus(trx: Transaction, id: string, status: OrderStatus, reason: string): Promise<void> {
      await trx('orders')
        .where({ id })
        .update({ status, status_reason: reason.slice(0, 255), updated_at: new Date() });
    },

    transaction<T>(work: (trx: Transaction) => Promise<T>): Promise<T> {
      return db.transaction(work);
    },
  };
}

export type OrdersStore = ReturnType<typeof createOrdersStore>;
