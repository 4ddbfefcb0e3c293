import type { Knex } from 'knex';

const INDEX = 'payments_user_newest';

/**
 * ListPayments reads a user's payments newest first, a keyset page at a time
 * (`user_id = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC`):
 * this index answers it without a scan of the table or a sort.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payments', (t) => t.index(['user_id', 'created_at', 'id'], INDEX));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payments', (t) => t.dropIndex(['user_id', 'created_at', 'id'], INDEX));
}
