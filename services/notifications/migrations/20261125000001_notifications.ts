import type { Knex } from 'knex';
import { createProcessedEventsTable } from '../../../platform/events/processed-events';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.specificType('id', 'CHAR(36)').primary();
    t.string('user_id', 36).notNullable();
    // One notification per event, whichever consumer group or instance handles it.
    t.string('event_id', 36).notNullable().unique();
    t.string('event_type', 128).notNullable();
    t.string('title', 120).notNullable();
    t.string('body', 1000).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    // The feed: one user's notifications, newest first, paged by (created_at, id).
    t.index(['user_id', 'created_at', 'id']);
  });
  await createProcessedEventsTable(knex);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['processed_events', 'notifications']) await knex.schema.dropTable(table);
}
