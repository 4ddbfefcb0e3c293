import { strict as assert } from 'node:assert';
import { Code, RpcError } from '../../../../platform/errors';
import { assertTransition, canTransition, type OrderStatus } from './order-status';

describe('order status machine', () => {
  const legal: [OrderStatus, OrderStatus][] = [
    ['PENDING', 'PAID'],
    ['PENDING', 'PAYMENT_FAILED'],
    ['PENDING', 'CANCELLED'],
    ['PAID', 'CANCELLED'],
  ];
  const all: OrderStatus[] = ['PENDING', 'PAID', 'PAYMENT_FAILED', 'CANCELLED'];

  it('allows exactly the moves of the saga', () => {
    for (const from of all) {
      for (const to of all) {
        assert.equal(
          canTransition(from, to),
          legal.some(([f, t]) => f === from && t === to),
          `${from} -> ${to}`,
        );
      }
    }
  });

  it('refuses an illegal move with FAILED_PRECONDITION naming both states', () => {
    try {
      assertTransition('o-1', 'PAYMENT_FAILED', 'CANCELLED');
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(error instanceof RpcError);
      assert.equal(error.code, Code.FAILED_PRECONDITION);
      assert.deepEqual(error.details.metadata, { order_id: 'o-1', from: 'PAYMENT_FAILED', to: 'CANCELLED' });
    }
  });
});
