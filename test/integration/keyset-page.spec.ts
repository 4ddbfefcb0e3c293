import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../platform/db';
import { insertIfAbsent, unlessDuplicate } from '../../platform/insert-if-absent';
import { keysetPaging, newestFirst } from '../../platform/keyset-page';
import { dropDatabases } from '../support/databases';
import { testDatabase } from '../support/service-config';

const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

const tablesMigration = `
import type { Knex } from 'knex';
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('entries', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable();
    t.string('title', 64).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['user_id', 'created_at', 'id']);
  });
  await knex.schema.createTable('claims', (t) => {
    t.string('key', 36).primary();
    t.string('owner', 36).notNullable();
  });
}
export async function down(): Promise<void> {}
`;

interface Entry {
  id: string;
  user_id: string;
  title: string;
  created_at: Date;
}

const paging = keysetPaging<Entry>({ rpc: 'ListEntries', orderBy: newestFirst(), keyOf: (e) => [e.created_at, e.id] });

describe('platform keyset paging and insert-if-absent with real MariaDB', function () {
  this.timeout(20_000);

  const database = testDatabase('platform_paging');
  let migrations: string;
  let db: Db;
  const alice = randomUUID();
  const bob = randomUUID();
  const base = Date.parse('2026-11-25T12:00:00.000Z');
  // 25 entries of alice, in ties of three per millisecond (the id breaks them), and some of bob's.
  const entries: Entry[] = Array.from({ length: 25 }, (_, i) => ({
    id: randomUUID(),
    user_id: alice,
    title: `entry ${i}`,
    created_at: new Date(base + Math.floor(i / 3)),
  }));
  const newestFirstOrder = (list: Entry[]) =>
    [...list].sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((e) => e.id);

  before(async () => {
    migrations = mkdtempSync(join(tmpdir(), 'shopmesh-paging-'));
    writeFileSync(join(migrations, '20261207000001_entries.ts'), tablesMigration);
    db = await openDatabase({ url: MYSQL_URL, database, poolMax: 2, migrationsDir: migrations });
    await db('entries').insert([
      ...entries,
      ...Array.from({ length: 5 }, (_, i) => ({ id: randomUUID(), user_id: bob, title: `b ${i}`, created_at: new Date(base + i) })),
    ]);
  });

  after(async () => {
    await db?.destroy();
    await dropDatabases(MYSQL_URL, [database]);
    rmSync(migrations, { recursive: true, force: true });
  });

  /** Every page of alice's entries at `pageSize`, running `between` after each page. */
  async function allPages(pageSize: number, between: (pageNo: number) => Promise<void> = async () => {}): Promise<string[][]> {
    const pages: string[][] = [];
    let pageToken = '';
    do {
      const page = paging.request({ pageSize, pageToken }, { userId: alice });
      const rows: Entry[] = await paging.query(db<Entry>('entries').where({ user_id: alice }), page);
      const { items, nextPageToken } = paging.respond(rows, page);
      pages.push(items.map((e) => e.id));
      pageToken = nextPageToken;
      await between(pages.length);
    } while (pageToken && pages.length < 100);
    return pages;
  }

  it('visits every row once, in (created_at, id) order newest first, ties included, at any page size', async () => {
    for (const size of [1, 2, 3, 7, 24, 25, 100]) {
      const pages = await allPages(size);
      assert.deepEqual(pages.flat(), newestFirstOrder(entries), `page size ${size}`);
      assert.ok(
        pages.every((p) => p.length === size || p === pages[pages.length - 1]),
        `full pages but the last, at ${size}`,
      );
      assert.equal(pages.length, Math.ceil(entries.length / size), `no empty last page at ${size}`);
    }
  });

  it('neither repeats nor skips a row when rows are written while a client pages', async () => {
    const written: Entry[] = [];
    const pages = await allPages(4, async (pageNo) => {
      // One entry before the position (offsets would shift the next page by it) and one after it.
      const newer = { id: randomUUID(), user_id: alice, title: `new ${pageNo}`, created_at: new Date(base + 1_000 + pageNo) };
      const older = { id: randomUUID(), user_id: alice, title: `old ${pageNo}`, created_at: new Date(base - 1_000 - pageNo) };
      written.push(newer, older);
      await db('entries').insert([newer, older]);
    });
    const seen = pages.flat();
    assert.equal(new Set(seen).size, seen.length, 'no row twice');
    assert.deepEqual(
      seen.filter((id) => !written.some((w) => w.id === id)),
      newestFirstOrder(entries),
      'every row that was there from the start, in order',
    );
    assert.deepEqual(
      seen.filter((id) => written.some((w) => w.id === id && w.title.startsWith('old'))),
      newestFirstOrder(written.filter((w) => w.title.startsWith('old') && w.title !== `old ${pages.length}`)),
      'rows written after the position show up on later pages (all but the one written after the last page)',
    );
    await db('entries')
      .whereIn(
        'id',
        written.map((w) => w.id),
      )
      .delete();
  });

  it('binds tokens to their filter: bob cannot page with alice’s token', async () => {
    const page = paging.request({ pageSize: 2, pageToken: '' }, { userId: alice });
    const { nextPageToken } = paging.respond(await paging.query(db<Entry>('entries').where({ user_id: alice }), page), page);
    assert.throws(() => paging.request({ pageSize: 2, pageToken: nextPageToken }, { userId: bob }), /page_token/);
  });

  it('inserts if absent: true the first time, false after, the first row kept', async () => {
    const key = randomUUID();
    assert.equal(await insertIfAbsent(db, 'claims', { key, owner: 'first' }), true);
    assert.equal(await insertIfAbsent(db, 'claims', { key, owner: 'second' }), false);
    assert.deepEqual(await db('claims').where({ key }).pluck('owner'), ['first']);
  });

  it('inserts several rows in one statement, or none of them when one is there', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    assert.equal(await insertIfAbsent(db, 'claims', { key: b, owner: 'earlier' }), true);
    assert.equal(
      await insertIfAbsent(db, 'claims', [
        { key: a, owner: 'batch' },
        { key: b, owner: 'batch' },
        { key: c, owner: 'batch' },
      ]),
      false,
    );
    assert.deepEqual(await db('claims').whereIn('key', [a, b, c]).pluck('owner'), ['earlier']);
  });

  it('leaves a transaction usable after a refused insert: only the statement is undone', async () => {
    const [taken, other] = [randomUUID(), randomUUID()];
    await insertIfAbsent(db, 'claims', { key: taken, owner: 'earlier' });
    await db.transaction(async (trx) => {
      await trx('claims').insert({ key: other, owner: 'in trx' });
      assert.equal(await insertIfAbsent(trx, 'claims', { key: taken, owner: 'in trx' }), false);
      await trx('claims').where({ key: other }).update({ owner: 'in trx, after the refusal' });
    });
    assert.deepEqual(await db('claims').where({ key: other }).pluck('owner'), ['in trx, after the refusal']);
    assert.deepEqual(await db('claims').where({ key: taken }).pluck('owner'), ['earlier']);
  });

  it('unlessDuplicate rolls a whole transaction back on a duplicate and answers undefined', async () => {
    const [taken, fresh] = [randomUUID(), randomUUID()];
    await insertIfAbsent(db, 'claims', { key: taken, owner: 'earlier' });
    const result = await unlessDuplicate(() =>
      db.transaction(async (trx) => {
        await trx('claims').insert({ key: fresh, owner: 'trx' });
        await trx('claims').insert({ key: taken, owner: 'trx' });
        return 'committed';
      }),
    );
    assert.equal(result, undefined);
    assert.deepEqual(await db('claims').where({ key: fresh }).pluck('owner'), [], 'the first insert went with the transaction');
  });
});
