import { failedPrecondition } from '../../../../platform/errors';
import type { FieldCipher } from '../../../../platform/field-cipher';
import type { CreatePaymentIntentRequest, CreatePaymentIntentResponse } from '../../../../gen/ts/shop/payments/v1/payments';
import { intentMismatch, parseIntentRequest } from '../domain/payment-intent';
import type { PaymentIntentsStore } from '../store/payment-intents-store';
import { paymentIdOf } from './order-events';

/**
 * Orders hands over what the charge needs before it writes the order, so the
 * token never rides on OrderCreated. Idempotent by order id: a retried
 * CreateOrder gets the intent its first attempt stored.
 */
export function createPaymentIntentHandler(intents: PaymentIntentsStore, tokenCipher: FieldCipher) {
  return async function createPaymentIntent(req: CreatePaymentIntentRequest): Promise<CreatePaymentIntentResponse> {
    const terms = parseIntentRequest(req);
    const now = new Date();
    const { intent } = await intents.insertOrGet({
      order_id: terms.orderId,
      user_id: terms.userId,
      currency: terms.currency,
      amount_minor: terms.amountMinor.toString(),
      // Bound to the order id: a ciphertext copied onto another intent does not decrypt.
      token_ciphertext: tokenCipher.encrypt(terms.token, terms.orderId),
      created_at: now,
      updated_at: now,
    });
    const mismatch = intentMismatch(
      { orderId: intent.order_id, userId: intent.user_id, currency: intent.currency, amountMinor: BigInt(intent.amount_minor) },
      terms,
    );
    if (mismatch) throw failedPrecondition(`payment intent for order ${terms.orderId}: ${mismatch}`, 'PAYMENT_INTENT_MISMATCH', { order_id: terms.orderId });
    return {
      intent: {
        orderId: intent.order_id,
        userId: intent.user_id,
        paymentId: paymentIdOf(intent.order_id),
        amount: { currencyCode: intent.currency, amountMinor: String(intent.amount_minor) },
        createdAt: intent.created_at,
      },
    };
  };
}
