import type { Knex } from 'knex';
import { isDuplicateKey } from './db';

/**
 * The result of `work`, or undefined when it failed on a duplicate key: a
 * unique constraint said what it writes is there already (an idempotency key,
 * one payment per order, an event handled before). Any other error is thrown.
 * For a transaction that should write nothing when its first row exists.
 */
export async function unlessDuplicate<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (isDuplicateKey(error)) return undefined;
    throw error;
  }
}

/**
 * Inserts the row (or rows, in one statement); false when a unique key already
 * holds one of them, and nothing was inserted. Inside a transaction only the
 * statement is undone (MariaDB/InnoDB), so the transaction goes on: read the
 * row that won, or skip the work it already did.
 */
export async function insertIfAbsent(conn: Knex | Knex.Transaction, table: string, rows: object | object[]): Promise<boolean> {
  const inserted = await unlessDuplicate(async () => {
    await conn(table).insert(rows);
    return true;
  });
  return inserted ?? false;
}
