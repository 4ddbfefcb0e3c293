import type { Knex } from 'knex';
import { createOutboxTable } from '../../../platform/events/outbox';
import { createProcessedEventsTable } from '../../../platform/events/processed-events';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable();
    t.string('idempotency_key', 128).notNullable();
    t.string('status', 16).notNullable();
    t.string('status_reason', 255).notNullable().defaultTo('');
    t.string('currency', 3).notNullable();
    t.bigInteger('total_minor').notNullable();
    t.string('payment_token', 64).notNullable().defaultTo('');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    // The same key from the same user is the same order, even under concurrent retries.
    t.unique(['user_id', 'idempotency_key']);
    t.index(['user_id', 'created_at', 'id']);
  });
  await knex.schema.createTable('order_items', (t) => {
    t.string('order_id', 36).notNullable().references('id').inTable('orders');
    t.integer('line_no').notNullable();
    t.string('product_id', 36).notNullable();
    t.string('product_name', 120).notNullable();
    t.integer('quantity').notNullable();
    t.bigInteger('unit_price_minor').notNullable();
    t.bigInteger('line_total_minor').notNullable();
    t.primary(['order_id', 'line_no']);
  });
  await createOutboxTable(knex);
  await createProcessedEventsTable(knex);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['processed_events', 'outbox', 'order_items', 'orders']) await knex.schema.dropTable(table);
}
