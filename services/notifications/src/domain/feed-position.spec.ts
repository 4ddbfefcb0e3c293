import assert from 'node:assert/strict';
import { positionFromKey, positionKey } from './feed-position';

describe('feed position', () => {
  const position = { createdAt: new Date('2026-11-25T12:00:00.123Z'), id: '6f1c1d0e-5d7a-4c43-9a57-2f6f4a2b9c10' };

  it('survives the round trip through a page token key', () => {
    assert.deepEqual(positionFromKey(positionKey(position)), position);
  });

  it('refuses keys it did not make, so a tampered token cannot reach the query', () => {
    assert.equal(positionFromKey([]), undefined);
    assert.equal(positionFromKey(['not a time', position.id]), undefined);
    assert.equal(positionFromKey(['2026-11-25', position.id]), undefined);
    assert.equal(positionFromKey([position.createdAt.toISOString(), 'not-a-notification-id']), undefined);
    assert.equal(positionFromKey([...positionKey(position), 'extra']), undefined);
  });
});
