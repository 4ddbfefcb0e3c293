import type { Knex } from 'knex';
import { createOutboxTable } from '../../../platform/events/outbox';
import { createProcessedEventsTable } from '../../../platform/events/processed-events';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payments', (t) => {
    t.string('id', 36).primary();
    // Exactly one payment per order, whatever the deliveries: a constraint, not luck.
    t.string('order_id', 36).notNullable().unique();
    t.string('user_id', 36).notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('amount_minor').notNullable();
    t.string('status', 16).notNullable();
    t.string('failure_reason', 255).notNullable().defaultTo('');
    t.integer('attempts').notNullable().defaultTo(0);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
  await createOutboxTable(knex);
  await createProcessedEventsTable(knex);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['processed_events', 'outbox', 'payments']) await knex.schema.dropTable(table);
}
