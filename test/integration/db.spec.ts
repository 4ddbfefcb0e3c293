import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDuplicateKey, openDatabase, type Db } from '../../platform/db';
import { dropDatabases } from '../support/databases';
import { testDatabase } from '../support/service-config';
import { timed } from '../support/poll';

const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

const widgetsMigration = `
import type { Knex } from 'knex';
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('widgets', (t) => {
    t.bigIncrements('id').primary();
    t.string('sku', 32).notNullable().unique();
    t.datetime('made_at', { precision: 3 }).notNullable();
  });
  await knex('widgets').insert({ sku: 'seed', made_at: new Date('2026-01-01T00:00:00.000Z') });
}
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('widgets');
}
`;

const gadgetsMigration = `
import type { Knex } from 'knex';
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('gadgets', (t) => t.string('id', 36).primary());
}
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('gadgets');
}
`;

describe('platform db with real MariaDB', function () {
  this.timeout(20_000);

  const database = testDatabase('platform_db');
  let migrations: string;
  let db: Db | undefined;

  before(() => {
    migrations = mkdtempSync(join(tmpdir(), 'shopmesh-migrations-'));
    writeFileSync(join(migrations, '20261125000001_widgets.ts'), widgetsMigration);
    // Not migrations: no timestamp prefix, or type declarations.
    writeFileSync(join(migrations, 'README.ts'), 'throw new Error("not a migration");');
    writeFileSync(join(migrations, '20261125000009_types.d.ts'), 'export {};');
  });

  after(async () => {
    await db?.destroy();
    await dropDatabases(MYSQL_URL, [database]);
    rmSync(migrations, { recursive: true, force: true });
  });

  it("creates the service's schema and runs the migrations of its folder", async () => {
    db = await openDatabase({ url: MYSQL_URL, database, poolMax: 2, migrationsDir: migrations });
    const [[schema]] = await db.raw(
      'SELECT schema_name AS name, default_character_set_name AS charset FROM information_schema.schemata WHERE schema_name = ?',
      [database],
    );
    assert.deepEqual({ ...schema }, { name: database, charset: 'utf8mb4' });
    assert.deepEqual(await db('widgets').pluck('sku'), ['seed']);
    assert.deepEqual(await db('knex_migrations').pluck('name'), ['20261125000001_widgets.ts']);
  });

  it('runs each migration once, however often the service starts', async () => {
    await db!.destroy();
    db = await openDatabase({ url: MYSQL_URL, database, poolMax: 2, migrationsDir: migrations });
    assert.deepEqual(await db('widgets').pluck('sku'), ['seed'], 'the seed row was not inserted twice');
    assert.equal(Number((await db('knex_migrations').count({ n: '*' }))[0].n), 1);
  });

  it('runs only the new migration when one is added', async () => {
    writeFileSync(join(migrations, '20261125000002_gadgets.ts'), gadgetsMigration);
    await db!.destroy();
    db = await openDatabase({ url: MYSQL_URL, database, poolMax: 2, migrationsDir: migrations });
    assert.deepEqual(await db('knex_migrations').orderBy('id').pluck('name'), ['20261125000001_widgets.ts', '20261125000002_gadgets.ts']);
    assert.ok(await db.schema.hasTable('gadgets'));
  });

  it('keeps DATETIME(3) in UTC with milliseconds, and big integers as strings', async () => {
    const madeAt = new Date('2026-11-25T23:59:58.123Z');
    const [id] = await db!('widgets').insert({ sku: 'w-1', made_at: madeAt });
    const row = await db!('widgets').where({ id }).first();
    assert.equal(row.made_at.toISOString(), madeAt.toISOString());
    assert.equal(typeof row.id, 'string', 'BIGINT ids arrive as strings, never rounded');
  });

  it('recognises a duplicate key error, and nothing else as one', async () => {
    const duplicate = await db!('widgets')
      .insert({ sku: 'seed', made_at: new Date() })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(duplicate, 'the unique index refused the row');
    assert.equal(isDuplicateKey(duplicate), true);
    const missingTable = await db!('no_such_table')
      .select()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.equal(isDuplicateKey(missingTable), false);
    assert.equal(isDuplicateKey(new Error('Duplicate entry')), false);
    assert.equal(isDuplicateKey(undefined), false);
    assert.equal(isDuplicateKey(null), false);
  });

  it('refuses a database name that could be SQL', async () => {
    await assert.rejects(
      openDatabase({ url: MYSQL_URL, database: 'shop`; DROP DATABASE mysql; --', poolMax: 1, migrationsDir: migrations }),
      /invalid database name/,
    );
  });

  it('fails fast when nothing listens at the database address', async () => {
    const { ms, result } = await timed(() => openDatabase({ url: 'mysql://root@127.0.0.1:3399', database, poolMax: 1, migrationsDir: migrations }));
    assert.equal(result.status, 'rejected');
    assert.equal(((result as PromiseRejectedResult).reason as { code?: string }).code, 'ECONNREFUSED');
    assert.ok(ms < 6_000, `took ${ms} ms`);
  });
});
