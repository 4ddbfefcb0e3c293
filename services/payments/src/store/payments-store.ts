import type { Knex } from 'knex';
import type { Db } from '../../../../platform/db';
import { insertIfAbsent } from '../../../../platform/insert-if-absent';

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

export function createPaymentsStore(db: Db) {
  return {
    /** False when the order already has its payment (the unique order_id said so). */
    insert(trx: Knex.Transaction, row: PaymentRow): Promise<boolean> {
      return insertIfAbsent(trx, 'payments', row);
    },

    async byOrder(orderId: string, conn: Knex = db): Promise<PaymentRow | undefined> {
      return conn<PaymentRow>('payments').where({ order_id: orderId }).first();
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
