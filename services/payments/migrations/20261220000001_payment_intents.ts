import type { Knex } from 'knex';

/**
 * What payments needs to charge an order, handed over by orders at
 * CreateOrder (CreatePaymentIntent) instead of riding on OrderCreated. The
 * token is AES-256-GCM ciphertext bound to the order id, and set to NULL once
 * the order was charged, declined or cancelled: it is kept no longer than the
 * charge needs it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payment_intents', (t) => {
    t.string('order_id', 36).primary();
    t.string('user_id', 36).notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('amount_minor').notNullable();
    t.string('token_ciphertext', 255).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    // The purge of intents whose order never came looks for old rows still holding a token.
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payment_intents');
}
