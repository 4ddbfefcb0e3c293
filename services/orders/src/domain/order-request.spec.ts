import { strict as assert } from 'node:assert';
import { RpcError } from '../../../../platform/errors';
import { parseOrderRequest } from './order-request';

const request = (items: { productId: string; quantity: number }[], idempotencyKey = 'k-1') => ({ items, idempotencyKey, paymentToken: '' });

describe('CreateOrder request', () => {
  it('merges repeated products into one line', () => {
    assert.deepEqual(parseOrderRequest(request([{ productId: 'a', quantity: 1 }, { productId: 'b', quantity: 1 }, { productId: 'a', quantity: 2 }])),
      [{ productId: 'a', quantity: 3 }, { productId: 'b', quantity: 1 }]);
  });

  it('names every bad field', () => {
    try {
      parseOrderRequest(request([{ productId: '', quantity: 0 }, { productId: 'x', quantity: 101 }], ''));
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(error instanceof RpcError);
      assert.deepEqual(error.details.fieldViolations!.map((v) => v.field),
        ['idempotency_key', 'items[0].product_id', 'items[0].quantity', 'items[1].quantity']);
    }
  });

  it('refuses an empty order and more than 100 of one product once merged', () => {
    assert.throws(() => parseOrderRequest(request([])), RpcError);
    assert.throws(() => parseOrderRequest(request([{ productId: 'a', quantity: 60 }, { productId: 'a', quantity: 50 }])),
      (e: RpcError) => e.details.fieldViolations![0].field === 'items' && /at most 100 of product a/.test(e.details.fieldViolations![0].description));
  });
});
