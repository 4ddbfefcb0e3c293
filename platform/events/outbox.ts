import type { Knex } from 'knex';
import { Events, type EventName, type EventPayload } from './catalog';
import { newEnvelope, toHeaders, type Envelope } from './envelope';

export const OUTBOX_TABLE = 'outbox';

/** The outbox table; every service that emits events creates it in one of its migrations. */
export function createOutboxTable(knex: Knex): Knex.SchemaBuilder {
  return knex.schema.createTable(OUTBOX_TABLE, (t) => {
    // Auto-increment order is publication order.
    t.bigIncrements('id').primary();
    t.string('event_id', 36).notNullable().unique();
    t.string('event_type', 128).notNullable();
    t.string('topic', 128).notNullable();
    t.string('message_key', 128).notNullable();
    t.binary('payload').notNullable();
    t.text('headers').notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('published_at', { precision: 3 }).nullable();
    t.index(['published_at', 'id']);
  });
}

/**
 * Writes an event in the caller's transaction, so it exists exactly when the
 * state change it describes does. The relay publishes it afterwards.
 */
export async function addToOutbox<N extends EventName>(
  trx: Knex.Transaction,
  source: string,
  name: N,
  key: string,
  payload: EventPayload<N>,
): Promise<Envelope> {
  const { type, topic, codec } = Events[name];
  const envelope = newEnvelope(type, source);
  await trx(OUTBOX_TABLE).insert({
    event_id: envelope.id,
    event_type: type,
    topic,
    message_key: key,
    payload: Buffer.from(codec.encode(payload as never).finish()),
    headers: JSON.stringify(toHeaders(envelope)),
    created_at: envelope.time,
  });
  return envelope;
}
