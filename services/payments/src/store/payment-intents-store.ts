import type { Knex } from 'knex';
import type { Db } from '../../../../platform/db';
import { insertIfAbsent } from '../../../../platform/insert-if-absent';

export interface PaymentIntentRow {
  order_id: string;
  user_id: string;
  currency: string;
  amount_minor: string;
  /** AES-256-GCM of the payment token (platform/field-cipher.ts); NULL once the token is no longer needed. */
  token_ciphertext: string | null;
  created_at: Date;
  updated_at: Date;
}

export function createPaymentIntentsStore(db: Db) {
  return {
    /** The stored intent of this order: the new row, or the one an earlier call wrote. */
    async insertOrGet(row: PaymentIntentRow): Promise<{ intent: PaymentIntentRow; created: boolean }> {
      if (await insertIfAbsent(db, 'payment_intents', row)) return { intent: row, created: true };
      const intent = await db<PaymentIntentRow>('payment_intents').where({ order_id: row.order_id }).first();
      // order_id is the only unique key, and intents are never deleted: the row that refused ours is there.
      if (!intent) throw new Error(`payment intent of order ${row.order_id} refused as a duplicate, then not found`);
      return { intent, created: false };
    },

    async lockByOrder(trx: Knex.Transaction, orderId: string): Promise<PaymentIntentRow | undefined> {
      return trx<PaymentIntentRow>('payment_intents').where({ order_id: orderId }).forUpdate().first();
    },

    /** The token has served (charged, declined) or never will (cancelled): keep nothing that could charge again. */
    async forgetToken(trx: Knex.Transaction, orderId: string): Promise<void> {
      await trx('payment_intents').where({ order_id: orderId }).whereNotNull('token_ciphertext').update({ token_ciphertext: null, updated_at: new Date() });
    },

    /** Intents whose order never came (CreateOrder failed after the intent): their tokens go after `olderThan`. */
    async forgetStaleTokens(olderThan: Date, limit = 500): Promise<number> {
      return db('payment_intents')
        .where('created_at', '<', olderThan)
        .whereNotNull('token_ciphertext')
        .limit(limit)
        .update({ token_ciphertext: null, updated_at: new Date() });
    },
  };
}

export type PaymentIntentsStore = ReturnType<typeof createPaymentIntentsStore>;
