import type { Knex } from 'knex';
import { indexProcessedAt } from '../../../platform/events/processed-events';

/** The retention purge deletes old claims by processed_at. */
export async function up(knex: Knex): Promise<void> {
  await indexProcessedAt(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('processed_events', (t) => t.dropIndex(['processed_at'], 'processed_events_processed_at'));
}
