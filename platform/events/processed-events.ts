import type { Knex } from 'knex';
import { insertIfAbsent } from '../insert-if-absent';

export const PROCESSED_EVENTS_TABLE = 'processed_events';
/** Longer ids cannot be claimed; consumers dead-letter such events at once. */
export const MAX_EVENT_ID_LENGTH = 128;
const PROCESSED_AT_INDEX = 'processed_events_processed_at';

/** Created by a migration of every service that consumes events. */
export function createProcessedEventsTable(knex: Knex): Knex.SchemaBuilder {
  return knex.schema.createTable(PROCESSED_EVENTS_TABLE, (t) => {
    // CloudEvents ids are any string; ours are UUIDs, other producers' may be longer.
    t.string('event_id', MAX_EVENT_ID_LENGTH).notNullable();
    t.string('consumer_group', 128).notNullable();
    t.string('event_type', 128).notNullable();
    t.datetime('processed_at', { precision: 3 }).notNullable();
    t.primary(['event_id', 'consumer_group']);
    t.index(['processed_at'], PROCESSED_AT_INDEX);
  });
}

/**
 * The retention purge deletes by age. Tables created before the index was
 * part of createProcessedEventsTable get it from a migration of their own;
 * on a fresh schema that migration finds it there already.
 */
export async function indexProcessedAt(knex: Knex): Promise<void> {
  const [rows] = await knex.raw('SHOW INDEX FROM ?? WHERE Key_name = ?', [PROCESSED_EVENTS_TABLE, PROCESSED_AT_INDEX]);
  if ((rows as unknown[]).length > 0) return;
  await knex.schema.alterTable(PROCESSED_EVENTS_TABLE, (t) => {
    t.index(['processed_at'], PROCESSED_AT_INDEX);
  });
}

/**
 * Claims a batch of events for a consumer group in one statement, inside the
 * transaction that handles them; returns the ids that were not processed
 * before. The common case (none seen before) costs one multi-row INSERT; a
 * batch with a redelivery costs a SELECT of what is already claimed and an
 * INSERT of the rest. A concurrent claim of the same id (two members during a
 * rebalance) fails with a duplicate key, and the caller's retry then sees it.
 */
export async function claimEvents(trx: Knex.Transaction, group: string, events: { id: string; type: string }[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  // The same event twice in one batch (a relay that re-sent it) is claimed once.
  events = [...new Map(events.map((e) => [e.id, e])).values()];
  const processedAt = new Date();
  const rows = (list: typeof events) => list.map(({ id, type }) => ({ event_id: id, consumer_group: group, event_type: type, processed_at: processedAt }));
  if (await insertIfAbsent(trx, PROCESSED_EVENTS_TABLE, rows(events))) return new Set(events.map((e) => e.id));
  // The refused statement was undone on its own; the transaction goes on.
  const seen = new Set<string>(
    await trx(PROCESSED_EVENTS_TABLE)
      .where({ consumer_group: group })
      .whereIn(
        'event_id',
        events.map((e) => e.id),
      )
      .pluck('event_id'),
  );
  const fresh = events.filter((e) => !seen.has(e.id));
  if (fresh.length > 0) await trx(PROCESSED_EVENTS_TABLE).insert(rows(fresh));
  return new Set(fresh.map((e) => e.id));
}
