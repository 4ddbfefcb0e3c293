import type { Knex } from 'knex';
import { isDuplicateKey } from '../db';

export const PROCESSED_EVENTS_TABLE = 'processed_events';
/** Longer ids cannot be claimed; consumers dead-letter such events at once. */
export const MAX_EVENT_ID_LENGTH = 128;

/** Created by a migration of every service that consumes events. */
export function createProcessedEventsTable(knex: Knex): Knex.SchemaBuilder {
  return knex.schema.createTable(PROCESSED_EVENTS_TABLE, (t) => {
    // CloudEvents ids are any string; ours are UUIDs, other producers' may be longer.
    t.string('event_id', MAX_EVENT_ID_LENGTH).notNullable();
    t.string('consumer_group', 128).notNullable();
    t.string('event_type', 128).notNullable();
    t.datetime('processed_at', { precision: 3 }).notNullable();
    t.primary(['event_id', 'consumer_group']);
  });
}

/**
 * Claims an event for a consumer group inside the handler's transaction: true
 * the first time, false when it was already processed. The primary key makes
 * this exact under concurrency: a second delivery waits on the first's row
 * lock, then sees the duplicate key.
 */
export async function claimEvent(trx: Knex.Transaction, eventId: string, group: string, type: string): Promise<boolean> {
  try {
    await trx(PROCESSED_EVENTS_TABLE).insert({ event_id: eventId, consumer_group: group, event_type: type, processed_at: new Date() });
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
