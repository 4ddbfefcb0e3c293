import type { Knex } from 'knex';
import { createProcessedEventsTable } from '../../../platform/events/processed-events';

export async function up(knex: Knex): Promise<void> {
  // One row per ordered pair: (a, b) and (b, a) both exist, so "what was bought
  // with a" is a primary-key range read on product_id.
  await knex.schema.createTable('co_purchases', (t) => {
    t.string('product_id', 36).notNullable();
    t.string('other_id', 36).notNullable();
    t.integer('count').unsigned().notNullable();
    t.primary(['product_id', 'other_id']);
  });
  await createProcessedEventsTable(knex);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['processed_events', 'co_purchases']) await knex.schema.dropTable(table);
}
