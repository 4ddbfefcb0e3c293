import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { Code, RpcError } from '../../../../platform/errors';
import { intentMismatch, parseIntentRequest } from './payment-intent';

const request = (fields: Partial<Parameters<typeof parseIntentRequest>[0]> = {}) => ({
  orderId: randomUUID(),
  userId: randomUUID(),
  amount: { currencyCode: 'EUR', amountMinor: '1250' },
  paymentToken: 'tok_visa',
  ...fields,
});

describe('payment intents: the rules', () => {
  it('accepts an order id, user id, positive amount and token, ids lower-cased', () => {
    const req = request({ orderId: randomUUID().toUpperCase() });
    const terms = parseIntentRequest(req);
    assert.equal(terms.orderId, req.orderId.toLowerCase());
    assert.equal(terms.amountMinor, 1250n);
    assert.equal(terms.token, 'tok_visa');
  });

  it('names every bad field at once', () => {
    assert.throws(
      () => parseIntentRequest(request({ orderId: 'x', userId: '', amount: { currencyCode: 'eur', amountMinor: '-1' }, paymentToken: 't'.repeat(65) })),
      (error: unknown) => {
        assert.ok(error instanceof RpcError);
        assert.equal(error.code, Code.INVALID_ARGUMENT);
        assert.deepEqual(
          error.details.fieldViolations!.map((v) => v.field),
          ['order_id', 'user_id', 'amount.currency_code', 'amount.amount_minor', 'payment_token'],
        );
        assert.ok(!error.message.includes('ttt'), 'the token is never echoed');
        return true;
      },
    );
    assert.throws(() => parseIntentRequest(request({ amount: undefined })), /amount/);
  });

  it('answers a retry with the stored intent whatever its token, and refuses another user or amount', () => {
    const terms = parseIntentRequest(request());
    assert.equal(intentMismatch(terms, { ...terms, token: 'tok_declined' }), undefined);
    assert.match(intentMismatch(terms, { ...terms, userId: randomUUID() })!, /another user/);
    assert.match(intentMismatch(terms, { ...terms, amountMinor: 1251n })!, /another amount/);
    assert.match(intentMismatch(terms, { ...terms, currency: 'USD' })!, /another amount/);
  });
});
