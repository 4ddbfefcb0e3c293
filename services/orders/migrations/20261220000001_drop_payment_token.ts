import type { Knex } from 'knex';

/**
 * Orders no longer keeps the payment token: CreateOrder hands it to payments
 * (CreatePaymentIntent), which keeps it encrypted until the charge. The
 * column goes with the tokens it held in plain text.
 */
export async function up(knex: Knex): Promise<void> {
  if (await knex.schema.hasColumn('orders', 'payment_token')) {
    await knex.schema.alterTable('orders', (t) => t.dropColumn('payment_token'));
  }
}

/** The column comes back empty: the dropped tokens are gone for good, as intended. */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('orders', (t) => t.string('payment_token', 64).notNullable().defaultTo(''));
}
