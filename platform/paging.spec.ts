import assert from 'node:assert/strict';
import knex from 'knex';
import { Code, RpcError, Violations } from './errors';
import { keysetPaging, newestFirst, startAfter, type KeyColumn } from './keyset-page';
import { createPageTokens, pageSize } from './page-token';

interface Row {
  created_at: Date;
  id: string;
}
const ID = '6f1c1d0e-5d7a-4c43-9a57-2f6f4a2b9c10';
const row = (iso: string, id = ID): Row => ({ created_at: new Date(iso), id });
const paging = keysetPaging<Row>({ rpc: 'ListRows', orderBy: newestFirst(), keyOf: (r) => [r.created_at, r.id] });
const filter = { userId: 'u-1' };
// Builds SQL only: no connection is opened.
const sql = knex({ client: 'mysql2' });

function refused(work: () => unknown): string[] | undefined {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof RpcError);
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    return error.details.fieldViolations?.map((v) => v.field);
  }
  assert.fail('nothing was refused');
}

/** A token carrying `key` as written by paging for `filter`, built by hand: what a tampering client could send. */
function tokenWithKey(key: string[]): string {
  const { nextPageToken } = paging.respond([row('2026-11-25T12:00:00.000Z'), row('2026-11-25T11:00:00.000Z')], { size: 1, filter });
  const body = JSON.parse(Buffer.from(nextPageToken, 'base64url').toString());
  return Buffer.from(JSON.stringify({ ...body, k: key })).toString('base64url');
}

describe('keyset paging', () => {
  it('answers a next page token exactly when the query found one row more than the page', () => {
    const rows = [row('2026-11-25T12:00:00.123Z'), row('2026-11-25T11:00:00.000Z'), row('2026-11-25T10:00:00.000Z')];
    const page = paging.request({ pageSize: 2, pageToken: '' }, filter);
    const full = paging.respond(rows, page);
    assert.deepEqual(full.items, rows.slice(0, 2));
    const next = paging.request({ pageSize: 2, pageToken: full.nextPageToken }, filter);
    assert.deepEqual(next.after, [rows[1].created_at, ID], 'a time comes back as a Date');
    assert.equal(paging.respond(rows.slice(0, 2), page).nextPageToken, '');
    assert.equal(paging.respond([], page).nextPageToken, '');
  });

  it('uses the default page size for 0 and refuses sizes out of bounds', () => {
    assert.equal(paging.request({ pageSize: 0, pageToken: '' }, filter).size, 20);
    assert.deepEqual(
      refused(() => paging.request({ pageSize: 101, pageToken: '' }, filter)),
      ['page_size'],
    );
    const tight = keysetPaging<Row>({ rpc: 'ListRows', orderBy: newestFirst(), keyOf: (r) => [r.created_at, r.id], limits: { defaultSize: 3, max: 5 } });
    assert.equal(tight.request({ pageSize: 0, pageToken: '' }, filter).size, 3);
    assert.deepEqual(
      refused(() => tight.request({ pageSize: 6, pageToken: '' }, filter)),
      ['page_size'],
    );
  });

  it('refuses tokens whose key is not what the columns hold, so a tampered token never reaches the query', () => {
    const good = '2026-11-25T12:00:00.123Z';
    for (const key of [[], [good], ['not a time', ID], ['2026-11-25', ID], [good, 'not-a-uuid'], [good, ID, 'extra']]) {
      assert.deepEqual(
        refused(() => paging.request({ pageSize: 1, pageToken: tokenWithKey(key) }, filter)),
        ['page_token'],
        JSON.stringify(key),
      );
    }
    assert.deepEqual(paging.request({ pageSize: 1, pageToken: tokenWithKey([good, ID]) }, filter).after, [new Date(good), ID]);
  });

  it('refuses a token of another filter, and garbage', () => {
    const { nextPageToken } = paging.respond([row('2026-11-25T12:00:00.000Z'), row('2026-11-25T11:00:00.000Z')], { size: 1, filter });
    assert.deepEqual(
      refused(() => paging.request({ pageSize: 1, pageToken: nextPageToken }, { userId: 'u-2' })),
      ['page_token'],
    );
    assert.deepEqual(
      refused(() => paging.request({ pageSize: 1, pageToken: 'garbage!' }, filter)),
      ['page_token'],
    );
  });

  it('collects its problems with the request’s other fields when given violations', () => {
    const v = new Violations();
    paging.request({ pageSize: -1, pageToken: 'garbage!' }, filter, v);
    v.add('category', 'bad');
    assert.deepEqual(
      refused(() => v.throwIfAny()),
      ['page_size', 'page_token', 'category'],
    );
  });

  it('queries in key order, after the previous page, one row more than the page', () => {
    const first = paging.query(sql('t').where({ user_id: 'u' }), { size: 2, filter }).toSQL();
    assert.equal(first.sql, 'select * from `t` where `user_id` = ? order by `created_at` desc, `id` desc limit ?');
    assert.deepEqual(first.bindings, ['u', 3]);
    const at = new Date('2026-11-25T12:00:00.000Z');
    const next = paging.query(sql('t').where({ user_id: 'u' }), { size: 2, filter, after: [at, ID] }).toSQL();
    assert.equal(
      next.sql,
      'select * from `t` where `user_id` = ? and ((`created_at` < ?) or (`created_at` = ? and `id` < ?)) order by `created_at` desc, `id` desc limit ?',
    );
    assert.deepEqual(next.bindings, ['u', at, at, ID, 3]);
  });

  it('starts after a key of any length and mixed directions', () => {
    const orderBy: KeyColumn[] = [
      { column: 'a', order: 'asc', type: 'text' },
      { column: 'b', order: 'desc', type: 'text' },
      { column: 'c', order: 'asc', type: 'text' },
    ];
    const { sql: text, bindings } = startAfter(sql('t'), orderBy, ['x', 'y', 'z']).toSQL();
    assert.equal(text, 'select * from `t` where ((`a` > ?) or (`a` = ? and `b` < ?) or (`a` = ? and `b` = ? and `c` > ?))');
    assert.deepEqual(bindings, ['x', 'x', 'y', 'x', 'y', 'z']);
  });
});

const tokens = createPageTokens('ListThings');

describe('page tokens', () => {
  it('round-trips a sort key as URL-safe text, and reads no token as the first page', () => {
    const token = tokens.encode(['Crème Brûlée', 'abc'], filter);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(tokens.decode(token, filter), ['Crème Brûlée', 'abc']);
    assert.equal(tokens.decode('', filter), undefined);
  });

  it('refuses malformed tokens as INVALID_ARGUMENT on page_token, naming the RPC', () => {
    const bodies = ['{"v":1}', 'null', '[]', '{"v":2,"k":["a"],"f":"x"}', '{"v":1,"k":[1],"f":"x"}'];
    for (const token of ['not a token', '!!!', 'e30', ...bodies.map((b) => Buffer.from(b).toString('base64url'))]) {
      assert.deepEqual(
        refused(() => tokens.decode(token, filter)),
        ['page_token'],
        token,
      );
      assert.deepEqual(tokens.read(token, filter), { problem: 'is not a page token from a previous ListThings response' });
    }
  });

  it('refuses a token issued for another filter', () => {
    const token = tokens.encode(['a'], filter);
    assert.deepEqual(tokens.read(token, { userId: 'u-2' }), { problem: 'was issued for a different filter' });
  });

  it('reads an earlier token format through legacyKey, and only that', () => {
    const legacy = createPageTokens('ListThings', { legacyKey: ({ n }) => (typeof n === 'string' ? [n] : undefined) });
    const { f } = JSON.parse(Buffer.from(legacy.encode(['x'], filter), 'base64url').toString());
    const old = Buffer.from(JSON.stringify({ v: 1, n: 'a', f })).toString('base64url');
    assert.deepEqual(legacy.decode(old, filter), ['a']);
    assert.deepEqual(
      refused(() => tokens.decode(old, filter)),
      ['page_token'],
    );
  });
});

describe('page size', () => {
  it('reads 0 as the default and refuses sizes outside 0..max', () => {
    assert.equal(pageSize(0), 20);
    assert.equal(pageSize(100), 100);
    assert.equal(pageSize(0, { defaultSize: 5, max: 10 }), 5);
    assert.deepEqual(
      refused(() => pageSize(101)),
      ['page_size'],
    );
    assert.deepEqual(
      refused(() => pageSize(-1)),
      ['page_size'],
    );
  });

  it('adds its problem to the request’s violations when given them', () => {
    const v = new Violations();
    pageSize(500, {}, v);
    v.add('category', 'bad');
    assert.deepEqual(
      refused(() => v.throwIfAny()),
      ['page_size', 'category'],
    );
  });
});
