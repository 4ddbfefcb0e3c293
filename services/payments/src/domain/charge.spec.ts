import { strict as assert } from 'node:assert';
import { chargeWithRetry } from './charge';
import { createSimulatedProcessor, TransientProcessorError, type PaymentProcessor } from './processor';

const request = (token: string) => ({ paymentId: 'p-1', token, amountMinor: 1000n, currency: 'EUR' });
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

  it('lets an unexpected processor error through instead of calling it a decline', async () => {
    const broken: PaymentProcessor = { charge: async () => { throw new Error('bug'); } };
    await assert.rejects(chargeWithRetry(broken, request('tok_visa'), retry), /bug/);
    const flaky: PaymentProcessor = { charge: async () => { throw new TransientProcessorError('timeout'); } };
    assert.equal((await chargeWithRetry(flaky, request('tok_visa'), retry)).attempts, 4);
  });
});
