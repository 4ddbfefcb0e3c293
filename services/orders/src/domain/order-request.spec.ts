import { strict as assert } from 'node:assert';
import { RpcError } from '../../../../platform/errors';
import { parseOrderRequest } from './order-request';

const A = '0da816f7-8042-546e-9d82-f53d29857eaf';
const B = '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed';
const request = (items: { productId: string; quantity: number }[], idempotencyKey = 'k-1') => ({ items, idempotencyKey, paymentToken: '' });

describe('CreateOrder request', () => {
  it('merges repeated products into one line', () => {
    assert.deepEqual(
      parseOrderRequest(
        request([
          { productId: A, quantity: 1 },
          { productId: B, quantity: 1 },
          { productId: A, quantity: 2 },
        ]),
      ),
      [
        { productId: A, quantity: 3 },
        { productId: B, quantity: 1 },
      ],
    );
  });

  it('compares product ids in one case: ids differing only in case are one product', () => {
    assert.deepEqual(
      parseOrderRequest(
        request([
          { productId: A.toUpperCase(), quantity: 1 },
          { productId: A, quantity: 2 },
        ]),
      ),
      [{ productId: A, quantity: 3 }],
    );
  });

  it('refuses a list over the limit at once, naming the field, without looking at every item', () => {
    const items = Array.from({ length: 10_000 }, () => ({ productId: 'not-an-id', quantity: 0 }));
    assert.throws(
      () => parseOrderRequest(request(items)),
      (e: RpcError) =>
        e.details.fieldViolations!.length === 1 &&
        e.details.fieldViolations![0].field === 'items' &&
        /at most 50/.test(e.details.fieldViolations![0].description),
    );
  });

  it('names every bad field', () => {
    try {
      parseOrderRequest(
        request(
          [
            { productId: '', quantity: 0 },
            { productId: A, quantity: 101 },
          ],
          '',
        ),
      );
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(error instanceof RpcError);
      assert.deepEqual(
        error.details.fieldViolations!.map((v) => v.field),
        ['idempotency_key', 'items[0].product_id', 'items[0].quantity', 'items[1].quantity'],
      );
    }
  });

  it('refuses an empty order and more than 100 of one product once merged', () => {
    assert.throws(() => parseOrderRequest(request([])), RpcError);
    assert.throws(
      () =>
        parseOrderRequest(
          request([
            { productId: A, quantity: 60 },
            { productId: A, quantity: 50 },
          ]),
        ),
      (e: RpcError) =>
        e.details.fieldViolations![0].field === 'items' && new RegExp(`at most 100 of product ${A}`).test(e.details.fieldViolations![0].description),
    );
  });
});
