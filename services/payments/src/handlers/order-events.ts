import type { Knex } from 'knex';
import type { EventHandler } from '../../../../platform/events/consumer';
import type { Outbox } from '../../../../platform/events/outbox';
import type { FieldCipher } from '../../../../platform/field-cipher';
import { nameBasedId } from '../../../../platform/ids';
import type { Logger } from '../../../../platform/logger';
import { counter } from '../../../../platform/metrics';
import type { OrderCancelled, OrderCreated } from '../../../../gen/ts/shop/orders/v1/events';
import { chargeWithRetry } from '../domain/charge';
import type { PaymentProcessor } from '../domain/processor';
import type { PaymentIntentRow, PaymentIntentsStore } from '../store/payment-intents-store';
import type { PaymentsStore } from '../store/payments-store';

const payments = counter('payments_processed_total', 'Payments by outcome: succeeded, failed, refunded, cancelled_before_charge.', ['result']);

export interface OrderEventDeps {
  store: PaymentsStore;
  intents: PaymentIntentsStore;
  tokenCipher: FieldCipher;
  processor: PaymentProcessor;
  outbox: Outbox;
  log: Logger;
  retry: { maxAttempts: number; baseMs: number };
}

/** The one payment of an order: the same id on every delivery and retry, so the processor's idempotency key is stable. */
export const paymentIdOf = (orderId: string) => nameBasedId(PAYMENTS_NAMESPACE, orderId);
/** uuid5(NAMESPACE_URL, "https://shopmesh.dev/payments/payments"). */
const PAYMENTS_NAMESPACE = '27b343eb-8b33-58dd-ada4-04db8c0a10b6';

/**
 * The payment side of the order saga. OrderCreated takes exactly one payment
 * per order (the unique order_id decides, even if the event arrives twice)
 * and answers PaymentSucceeded or PaymentFailed; OrderCancelled refunds a
 * succeeded payment (the compensation) and answers PaymentRefunded.
 *
 * Never twice: the charge carries the payment id, derived from the order id,
 * as its idempotency key, so a handler retried after its transaction rolled
 * back (the charge taken, the commit lost) asks the processor for the same
 * payment and gets the first answer. An OrderCancelled that arrives before
 * its OrderCreated (a replay from a dead-letter topic, say) leaves a
 * CANCELLED payment behind, so the order is never charged.
 *
 * The token comes from the order's payment intent (CreatePaymentIntent), never
 * from the event, and is forgotten in the transaction that records the
 * answer: an order without a usable intent fails its payment and is never
 * charged.
 */
export function orderEventHandlers({ store, intents, tokenCipher, processor, outbox, log, retry }: OrderEventDeps) {
  /** The intent's token, or why there is none to charge with. */
  function tokenOf(intent: PaymentIntentRow | undefined, event: OrderCreated): { token: string } | { refused: string } {
    if (!intent) return { refused: 'no payment intent' };
    const total = event.total;
    if (intent.user_id !== event.userId || intent.currency !== total?.currencyCode || String(intent.amount_minor) !== total.amountMinor) {
      return { refused: 'payment intent does not match the order' };
    }
    if (intent.token_ciphertext === null) return { refused: 'payment intent expired' };
    // A failure here (a wrong PAYMENTS_TOKEN_KEY) throws: the event is retried or dead-lettered for a replay once the key is fixed.
    return { token: tokenCipher.decrypt(intent.token_ciphertext, intent.order_id) };
  }

  const orderCreated: EventHandler<OrderCreated> = async (event, _envelope, trx) => {
    const now = new Date();
    const amount = event.total ?? { currencyCode: 'EUR', amountMinor: '0' };
    const payment = {
      id: paymentIdOf(event.orderId),
      order_id: event.orderId,
      user_id: event.userId,
      currency: amount.currencyCode,
      amount_minor: amount.amountMinor,
      status: 'PENDING' as const,
      failure_reason: '',
      attempts: 0,
      created_at: now,
      updated_at: now,
    };
    if (!(await store.insert(trx, payment))) {
      log.info({ orderId: event.orderId }, 'order already has its payment (or was cancelled before it)');
      return;
    }
    const base = { paymentId: payment.id, orderId: event.orderId, userId: event.userId, amount };
    const intent = await intents.lockByOrder(trx, event.orderId);
    const source = tokenOf(intent, event);
    if ('refused' in source) {
      log.warn({ orderId: event.orderId, reason: source.refused }, 'order not charged');
      await fail(trx, base, source.refused, 0);
      if (intent) await intents.forgetToken(trx, event.orderId);
      return;
    }
    const { result, attempts } = await chargeWithRetry(
      processor,
      {
        paymentId: payment.id,
        token: source.token,
        amountMinor: BigInt(amount.amountMinor),
        currency: amount.currencyCode,
      },
      retry,
    );
    // A final answer either way: the token has served its one purpose.
    await intents.forgetToken(trx, event.orderId);
    if (result.approved) {
      await store.update(trx, payment.id, { status: 'SUCCEEDED', attempts });
      await outbox.add(trx, 'PaymentSucceeded', event.orderId, { ...base, processedAt: new Date() });
      payments.inc({ result: 'succeeded' });
    } else {
      await fail(trx, base, result.reason, attempts);
    }
  };

  async function fail(
    trx: Knex.Transaction,
    base: { paymentId: string; orderId: string; userId: string; amount: { currencyCode: string; amountMinor: string } },
    reason: string,
    attempts: number,
  ) {
    await store.update(trx, base.paymentId, { status: 'FAILED', attempts, failure_reason: reason.slice(0, 255) });
    await outbox.add(trx, 'PaymentFailed', base.orderId, { ...base, reason, failedAt: new Date() });
    payments.inc({ result: 'failed' });
  }

  const orderCancelled: EventHandler<OrderCancelled> = async (event, _envelope, trx) => {
    const payment = await store.lockByOrder(trx, event.orderId);
    // A cancelled order is never charged: its token, if still held, has no use left.
    // (Locked after the payment, in the order OrderCreated locks them.)
    await intents.forgetToken(trx, event.orderId);
    if (!payment) {
      // Cancelled before it was charged: the tombstone takes the order's one payment slot.
      const now = new Date();
      await store.insert(trx, {
        id: paymentIdOf(event.orderId),
        order_id: event.orderId,
        user_id: event.userId,
        currency: '',
        amount_minor: '0',
        status: 'CANCELLED',
        failure_reason: 'order cancelled before payment',
        attempts: 0,
        created_at: now,
        updated_at: now,
      });
      payments.inc({ result: 'cancelled_before_charge' });
      return;
    }
    // Only money taken is given back; a failed payment needs nothing.
    if (payment.status !== 'SUCCEEDED') return;
    await store.update(trx, payment.id, { status: 'REFUNDED' });
    await outbox.add(trx, 'PaymentRefunded', event.orderId, {
      paymentId: payment.id,
      orderId: event.orderId,
      userId: payment.user_id,
      amount: { currencyCode: payment.currency, amountMinor: String(payment.amount_minor) },
      refundedAt: new Date(),
    });
    payments.inc({ result: 'refunded' });
  };

  return { OrderCreated: orderCreated, OrderCancelled: orderCancelled };
}
