import { strict as assert } from 'node:assert';
import { chargeWithRetry } from './charge';
import { createSimulatedProcessor, TransientProcessorError, type PaymentProcessor } from './processor';

let payments = 0;
/** A new payment each time: the processor answers a payment id it has seen with its first answer. */
const request = (token: string) => ({ paymentId: `p-${++payments}`, token, amountMinor: 1000n, currency: 'EUR' });
const retry = { maxAttempts: 4, baseMs: 1 };

describe('charging with the simulated processor', () => {
  const processor = createSimulatedProcessor();

  it('approves tok_visa and an empty token at the first attempt', async () => {
    assert.deepEqual(await chargeWithRetry(processor, request('tok_visa'), retry), { result: { approved: true }, attempts: 1 });
    assert.deepEqual(await chargeWithRetry(processor, request(''), retry), { result: { approved: true }, attempts: 1 });
  });

  it('declines tok_declined without retrying it', async () => {
    assert.deepEqual(await chargeWithRetry(processor, request('tok_declined'), retry), { result: { approved: false, reason: 'card declined' }, attempts: 1 });
  });

  it('retries tok_transient and is approved at the third attempt', async () => {
    assert.deepEqual(await chargeWithRetry(processor, request('tok_transient'), retry), { result: { approved: true }, attempts: 3 });
  });

  it('fails the payment when transient failures outlast the attempts', async () => {
    const outcome = await chargeWithRetry(processor, request('tok_transient'), { maxAttempts: 2, baseMs: 1 });
    assert.equal(outcome.attempts, 2);
    assert.equal(outcome.result.approved, false);
  });

  it('answers a payment it has seen with the first answer, taking nothing again (the idempotency key)', async () => {
    const again = request('tok_declined');
    const first = await chargeWithRetry(processor, again, retry);
    const second = await chargeWithRetry(processor, { ...again, token: 'tok_visa' }, retry);
    assert.deepEqual(second, first);
  });

  it('lets an unexpected processor error through instead of calling it a decline', async () => {
    const broken: PaymentProcessor = {
      charge: async () => {
        throw new Error('bug');
      },
    };
    await assert.rejects(chargeWithRetry(broken, request('tok_visa'), retry), /bug/);
    const flaky: PaymentProcessor = {
      charge: async () => {
        throw new TransientProcessorError('timeout');
      },
    };
    assert.equal((await chargeWithRetry(flaky, request('tok_visa'), retry)).attempts, 4);
  });
});
