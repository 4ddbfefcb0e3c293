import assert from 'node:assert/strict';
import { encodePageToken, readPageToken } from './page-token';

const filter = { category: 'burgers', terms: ['spicy'] };

describe('page tokens', () => {
  it('round-trips a cursor as URL-safe text', () => {
    const token = encodePageToken({ name: 'Crème Brûlée', id: 'abc' }, filter);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(readPageToken(token, filter), { cursor: { name: 'Crème Brûlée', id: 'abc' } });
  });

  it('finds malformed tokens unusable', () => {
    for (const token of ['not a token', '!!!', Buffer.from('{"v":1}').toString('base64url'), Buffer.from('null').toString('base64url'), 'e30']) {
      assert.ok('problem' in readPageToken(token, filter), token);
    }
  });

  it('finds a token issued for another filter unusable', () => {
    const token = encodePageToken({ name: 'a', id: 'b' }, filter);
    assert.deepEqual(readPageToken(token, { category: 'pizzas', terms: ['spicy'] }), { problem: 'was issued for a different category or query' });
  });
});
