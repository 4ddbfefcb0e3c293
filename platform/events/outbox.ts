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
 * The one way to emit an event: `outbox.add(trx, ...)` writes it in the
 * caller's transaction, so it exists exactly when the state change it
 * describes does, and wakes the relay once that transaction commits, so the
 * event is on Kafka milliseconds later. Handlers, stores and consumers call
 * the same method; nobody has to remember to wake anything.
 */
export interface Outbox {
  add<N extends EventName>(trx: Knex.Transaction, name: N, key: string, payload: EventPayload<N>): Promise<Envelope>;
}

/** `wake` is the relay's; it runs after the outermost transaction commits (never on rollback). */
export function createOutbox(source: string, wake: () => void): Outbox {
  // One wake-up per transaction, however many events it wrote.
  const watched = new WeakSet<object>();
  return {
    async add(trx, name, key, payload) {
      const envelope = await insertOutboxRow(trx, source, name, key, payload);
      const outermost = outermostTransaction(trx);
      if (!watched.has(outermost)) {
        watched.add(outermost);
        outermost.executionPromise.then(wake, () => undefined);
      }
      return envelope;
    },
  };
}

/**
 * A savepoint's promise settles when the savepoint is released, before the
 * rows are visible to the relay; only the outermost transaction's commit is.
 */
function outermostTransaction(trx: Knex.Transaction): Knex.Transaction {
  let current = trx as Knex.Transaction & { parentTransaction?: Knex.Transaction };
  while (current.parentTransaction) current = current.parentTransaction as typeof current;
  return current;
}

async function insertOutboxRow<N extends EventName>(trx: Knex.Transaction, source: string, name: N, key: string, payload: EventPayload<N>): Promise<Envelope> {
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
