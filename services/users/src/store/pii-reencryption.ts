import type { Knex } from 'knex';
import type { PiiCipher } from '../domain/pii-cipher';

const COLUMNS = ['phone_enc', 'address_enc'] as const;

/**
 * Rewrites every phone and address not under the active key, in batches by id. Each row
 * is updated only if it still holds what was read (a concurrent profile update wins and
 * is already under the active key), so it is safe to run while the service serves and to
 * run again. Returns the number of values rewritten.
 */
export async function reencryptPii(db: Knex, pii: PiiCipher, batchSize = 500): Promise<number> {
  let rewritten = 0;
  let after = '';
  for (;;) {
    const rows: { id: string; phone_enc: string | null; address_enc: string | null }[] = await db('users')
      .select('id', ...COLUMNS)
      .where('id', '>', after)
      .orderBy('id')
      .limit(batchSize);
    if (rows.length === 0) return rewritten;
    for (const row of rows) {
      const changes: Record<string, string> = {};
      for (const column of COLUMNS) {
        const stored = row[column];
        if (stored && pii.isStale(stored)) changes[column] = pii.encrypt(pii.decrypt(stored, row.id), row.id);
      }
      if (Object.keys(changes).length === 0) continue;
      const guard = Object.fromEntries(Object.keys(changes).map((column) => [column, row[column as (typeof COLUMNS)[number]]]));
      rewritten +=
        (await db('users')
          .where({ id: row.id, ...guard })
          .update(changes)) * Object.keys(changes).length;
    }
    after = rows[rows.length - 1].id;
  }
}
