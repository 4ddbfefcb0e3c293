import type { Knex } from 'knex';
import { createProcessedEventsTable } from '../../../platform/events/processed-events';

/**
 * Stock reservations (docs/stock.md): the stock an order holds, so it is
 * taken once, given back once, and a reservation whose order was never
 * written can be found and released. processed_events: catalog now consumes
 * the orders' and payments' events that confirm and release reservations.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stock_reservations', (t) => {
    // The order id, for orders' reservations.
    t.string('id', 36).primary();
    t.string('status', 16).notNullable();
    // Set when RELEASED: ABANDONED (the order may never have been written: the
    // caller's compensation or the TTL) or ENDED (the order's own events).
    t.string('release_kind', 16).nullable();
    t.string('release_reason', 255).notNullable().defaultTo('');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('expires_at', { precision: 3 }).notNullable();
    // The sweeper's look-up: RESERVED rows past their expiry.
    t.index(['status', 'expires_at']);
  });
  await knex.schema.createTable('stock_reservation_lines', (t) => {
    t.string('reservation_id', 36).notNullable().references('id').inTable('stock_reservations').onDelete('CASCADE');
    // No foreign key to products: a reservation is history and outlives any product edit.
    t.string('product_id', 36).notNullable();
    t.integer('quantity').notNullable();
    t.primary(['reservation_id', 'product_id']);
  });
  await createProcessedEventsTable(knex);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['processed_events', 'stock_reservation_lines', 'stock_reservations']) await knex.schema.dropTable(table);
}
