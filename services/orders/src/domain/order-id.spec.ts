import { strict as assert } from 'node:assert';
import { isUuid } from '../../../../platform/ids';
import { orderIdFor } from './order-id';

describe('orders/domain/order-id', () => {
  const user = '2f1c7a5e-3b7d-4f7e-9a55-0c6f4c1b8e21';

  it('names the same order for the same user and idempotency key', () => {
    assert.equal(orderIdFor(user, 'key-1'), orderIdFor(user, 'key-1'));
  });

  it('names different orders for another key or another user', () => {
    assert.notEqual(orderIdFor(user, 'key-1'), orderIdFor(user, 'key-2'));
    assert.notEqual(orderIdFor(user, 'key-1'), orderIdFor('0d7f0c39-59a3-4a44-8f0e-8b0d1e0b6c11', 'key-1'));
  });

  it('is a version 5 UUID, valid wherever an order id is', () => {
    const id = orderIdFor(user, 'key-1');
    assert.ok(isUuid(id));
    assert.equal(id[14], '5');
  });
});
