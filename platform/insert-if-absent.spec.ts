import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { insertIfAbsent, unlessDuplicate } from './insert-if-absent';

const driverError = (code: string) => Object.assign(new Error(code), { code });

/** A knex stand-in whose insert fails (or not) as the driver would. */
function fakeConn(failWith?: Error) {
  const inserted: { table: string; rows: unknown }[] = [];
  const conn = ((table: string) => ({
    insert: async (rows: unknown) => {
      if (failWith) throw failWith;
      inserted.push({ table, rows });
      return [1];
    },
  })) as unknown as Knex;
  return { conn, inserted };
}

describe('insert if absent', () => {
  it('inserts and says so', async () => {
    const { conn, inserted } = fakeConn();
    assert.equal(await insertIfAbsent(conn, 'payments', { id: 'p-1' }), true);
    assert.deepEqual(inserted, [{ table: 'payments', rows: { id: 'p-1' } }]);
  });

  it('answers false when a unique key holds the row already', async () => {
    const { conn } = fakeConn(driverError('ER_DUP_ENTRY'));
    assert.equal(await insertIfAbsent(conn, 'payments', { id: 'p-1' }), false);
  });

  it('throws every other failure', async () => {
    const { conn } = fakeConn(driverError('ER_NO_SUCH_TABLE'));
    await assert.rejects(insertIfAbsent(conn, 'payments', { id: 'p-1' }), /ER_NO_SUCH_TABLE/);
  });

  it('unlessDuplicate: the work’s result, undefined on a duplicate key, other errors thrown', async () => {
    assert.equal(await unlessDuplicate(async () => 'written'), 'written');
    assert.equal(
      await unlessDuplicate(async () => {
        throw driverError('ER_DUP_ENTRY');
      }),
      undefined,
    );
    await assert.rejects(
      unlessDuplicate(async () => {
        throw driverError('ER_LOCK_DEADLOCK');
      }),
      /ER_LOCK_DEADLOCK/,
    );
  });
});
