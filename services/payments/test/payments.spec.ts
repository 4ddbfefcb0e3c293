import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CallOptions } from '../../../platform/client';
import { Code } from '../../../platform/errors';
import { PaymentStatus } from '../../../gen/ts/shop/payments/v1/payments';
import { createEventBus, type EventBus } from '../../../test/support/event-bus';
import { until } from '../../../test/support/poll';
import { rpcErrorOf } from '../../../test/support/rpc-error';
import { startServiceUnderTest, type ServiceUnderTest } from '../../../test/support/service-under-test';
import { paymentsService } from '../src/service';

const eur = (amountMinor: string) => ({ currencyCode: 'EUR', amountMinor });

/**
 * Payments on its own (real MariaDB and Kafka, topics of its own): the intent
 * orders hands over at CreateOrder, and the charge an OrderCreated takes with
 * it, read back with GetPayment.
 */
describe('payments: payment intents and charges', function () {
  this.timeout(60_000);
  let payments: ServiceUnderTest<typeof paymentsService>;
  let bus: EventBus;
  let owner: { userId: string; auth: CallOptions };

  /** An intent as orders creates it, for a fresh order of the owner. */
  const anIntent = (
    fields: Partial<{ orderId: string; userId: string; amount: { currencyCode: string; amountMinor: string }; paymentToken: string }> = {},
  ) => ({
    orderId: randomUUID(),
    userId: owner.userId,
    amount: eur('1250'),
    paymentToken: 'tok_visa',
    ...fields,
  });
  /** What orders publishes once the order is written. */
  const orderCreated = (intent: ReturnType<typeof anIntent>) =>
    bus.publish('OrderCreated', intent.orderId, {
      orderId: intent.orderId,
      userId: intent.userId,
      userDisplayName: 'Ada',
      items: [],
      total: intent.amount,
      paymentToken: '',
      createdAt: new Date(),
    });
  const paymentOf = (orderId: string, auth = owner.auth) =>
    until(
      `the payment of ${orderId} to be settled`,
      async () => {
        const payment = (await payments.client.getPayment({ orderId }, auth).catch(() => undefined))?.payment;
        return payment && payment.status !== PaymentStatus.PAYMENT_STATUS_PENDING && payment;
      },
      { timeoutMs: 30_000 },
    );

  before(async () => {
    payments = await startServiceUnderTest(paymentsService, { ownTopics: true, overrides: { PAYMENT_RETRY_BASE_MS: '5' } });
    bus = createEventBus(payments.config);
    const userId = randomUUID();
    owner = { userId, auth: await payments.as(userId) };
  });
  after(async () => {
    await bus?.close();
    await payments?.stop();
  });

  it('takes payment intents from services only', async () => {
    assert.equal((await rpcErrorOf(payments.client.createPaymentIntent(anIntent(), owner.auth))).code, Code.PERMISSION_DENIED);
    assert.equal((await rpcErrorOf(payments.client.createPaymentIntent(anIntent(), payments.asAdmin))).code, Code.PERMISSION_DENIED);
    assert.equal((await rpcErrorOf(payments.client.createPaymentIntent(anIntent()))).code, Code.UNAUTHENTICATED);
  });

  it('answers a retried intent with the one it stored, and refuses another amount for the same order', async () => {
    const intent = anIntent();
    const first = (await payments.client.createPaymentIntent(intent, payments.asService)).intent!;
    assert.equal(first.orderId, intent.orderId);
    assert.deepEqual(first.amount, intent.amount);
    const again = (await payments.client.createPaymentIntent(intent, payments.asService)).intent!;
    assert.deepEqual(again, first);
    const other = await rpcErrorOf(payments.client.createPaymentIntent({ ...intent, amount: eur('99') }, payments.asService));
    assert.equal(other.code, Code.FAILED_PRECONDITION);
  });

  it('names every bad field of an intent', async () => {
    const error = await rpcErrorOf(
      payments.client.createPaymentIntent(
        { orderId: 'x', userId: '', amount: { currencyCode: 'eur', amountMinor: '-1' }, paymentToken: '' },
        payments.asService,
      ),
    );
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    assert.deepEqual(
      (error.details.fieldViolations ?? []).map((v) => v.field),
      ['order_id', 'user_id', 'amount.currency_code', 'amount.amount_minor'],
    );
  });

  it('charges an order with its intent when OrderCreated arrives, and shows the payment to its owner and admins only', async () => {
    const intent = anIntent();
    assert.equal((await rpcErrorOf(payments.client.getPayment({ orderId: intent.orderId }, owner.auth))).code, Code.NOT_FOUND);
    await payments.client.createPaymentIntent(intent, payments.asService);
    await orderCreated(intent);
    const payment = await paymentOf(intent.orderId);
    assert.equal(payment.status, PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    assert.equal(payment.attempts, 1);
    assert.deepEqual(payment.amount, intent.amount);
    assert.equal((await payments.client.getPayment({ orderId: intent.orderId }, payments.asAdmin)).payment!.id, payment.id);
    assert.equal((await rpcErrorOf(payments.client.getPayment({ orderId: intent.orderId }, payments.asCustomer))).code, Code.PERMISSION_DENIED);
  });

  it('records a declined card as a failed payment with its reason', async () => {
    const intent = anIntent({ paymentToken: 'tok_declined' });
    await payments.client.createPaymentIntent(intent, payments.asService);
    await orderCreated(intent);
    const payment = await paymentOf(intent.orderId);
    assert.equal(payment.status, PaymentStatus.PAYMENT_STATUS_FAILED);
    assert.equal(payment.failureReason, 'card declined');
  });

  it('refuses a GetPayment that is not an order id', async () => {
    const error = await rpcErrorOf(payments.client.getPayment({ orderId: 'not-an-id' }, owner.auth));
    assert.equal(error.code, Code.INVALID_ARGUMENT);
  });
});
