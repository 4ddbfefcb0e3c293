import { Violations } from '../../../../platform/errors';
import { isUuid } from '../../../../platform/ids';
import type { CreatePaymentIntentRequest } from '../../../../gen/ts/shop/payments/v1/payments';

/** Orders accepts tokens up to this length (ORDER_LIMITS); the column holds their ciphertext. */
export const MAX_TOKEN_LENGTH = 64;

export interface IntentTerms {
  orderId: string;
  userId: string;
  currency: string;
  amountMinor: bigint;
  token: string;
}

/** Checks a CreatePaymentIntent request, reporting every bad field at once. Ids come back lower-case. */
export function parseIntentRequest(req: CreatePaymentIntentRequest): IntentTerms {
  const v = new Violations();
  v.check(isUuid(req.orderId), 'order_id', 'must be an order id (UUID)');
  v.check(isUuid(req.userId), 'user_id', 'must be a user id (UUID)');
  const currency = req.amount?.currencyCode ?? '';
  const minor = req.amount?.amountMinor ?? '';
  v.check(/^[A-Z]{3}$/.test(currency), 'amount.currency_code', 'must be an ISO 4217 code such as EUR');
  // Zero is let through: the processor declines it, as it always has, with a reason the order shows.
  v.check(/^(0|[1-9][0-9]{0,17})$/.test(minor), 'amount.amount_minor', 'must be a whole number of minor units, not negative');
  v.check(req.paymentToken.length <= MAX_TOKEN_LENGTH, 'payment_token', `must be at most ${MAX_TOKEN_LENGTH} characters`);
  v.throwIfAny();
  return { orderId: req.orderId.toLowerCase(), userId: req.userId.toLowerCase(), currency, amountMinor: BigInt(minor), token: req.paymentToken };
}

/**
 * Why an intent already stored for this order cannot answer a new request, or
 * undefined when it can (a retry of the same CreateOrder). The token is not
 * compared: the first one is kept, and it may already be gone (charged).
 */
export function intentMismatch(stored: Omit<IntentTerms, 'token'>, requested: IntentTerms): string | undefined {
  if (stored.userId !== requested.userId) return 'the order belongs to another user';
  if (stored.currency !== requested.currency || stored.amountMinor !== requested.amountMinor)
    return 'the order already has a payment intent for another amount';
  return undefined;
}
