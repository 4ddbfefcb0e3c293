import type { Knex } from 'knex';
import type { Db } from '../../../../platform/db';
import { insertIfAbsent } from '../../../../platform/insert-if-absent';
import { keysetPaging, newestFirst, type PageRequest } from '../../../../platform/keyset-page';

/** CANCELLED: the order was cancelled before it was charged, and never will be. */
export type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUNDED' | 'CANCELLED';

export interface PaymentRow {
  id: string;
  order_id: string;
  user_id: string;
  currency: string;
  amount_minor: string;
  status: PaymentStatus;
  failure_reason: string;
  attempts: number;
  created_at: Date;
  updated_at: Date;
}

/** ListPayments: a user's payments newest first, a keyset page at a time (index payments_user_newest). */
export const paymentPages = keysetPaging<PaymentRow>({ rpc: 'ListPayments', orderBy: newestFirst(), keyOf: (row) => [row.created_at, row.id] });

export function createPaymentsStore(db: Db) {
  return {
    /** False when the order already has its payment (the unique order_id said so). */
    insert(trx: Knex.Transaction, row: PaymentRow): Promise<boolean> {
      return insertIfAbsent(trx, 'payments', row);
    },

    async byOrder(orderId: string, conn: Knex = db): Promise<PaymentRow | undefined> {
      return conn<PaymentRow>('payments').where({ order_id: orderId }).first();
    },

    /** The user's payments of `page` (see paymentPages). */
    listByUser(userId: string, page: PageRequest): Promise<PaymentRow[]> {
      return paymentPages.query(db<PaymentRow>('payments').where({ user_id: userId }), page);
    },

    async lockByOrder(trx: Knex.Transaction, orderId: string): Promise<PaymentRow | undefined> {
      return trx<PaymentRow>('payments').where({ order_id: orderId }).forUpdate().first();
    },

    async update(trx: Knex.Transaction, id: string, changes: Partial<Pick<PaymentRow, 'status' | 'failure_reason' | 'attempts'>>): Promise<void> {
      await trx('payments')
        .where({ id })
        .update({ ...changes, updated_at: new Date() });
    },
  };
}

export type PaymentsStore = ReturnType<typeof createPaymentsStore>;
