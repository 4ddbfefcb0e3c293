import { Violations } from '../../../../platform/errors';
import { isUuid } from '../../../../platform/ids';
import type { CreateOrderRequest } from '../../../../gen/ts/shop/orders/v1/orders';

export const ORDER_LIMITS = { maxLines: 50, maxQuantity: 100, maxKeyLength: 128, maxTokenLength: 64 };

export interface OrderLine {
  productId: string;
  quantity: number;
}

/**
 * Checks a CreateOrder request and merges repeated products into one line, so
 * `[{a,1},{a,2}]` orders three of a. Product ids are compared lower-case, as
 * catalog stores them, so `A` and `a` are one product. Reports every bad field
 * at once; a list over the limit is refused before its items are looked at,
 * so an oversized request costs nothing.
 */
export function parseOrderRequest(req: CreateOrderRequest): OrderLine[] {
  const v = new Violations();
  const key = req.idempotencyKey.trim();
  v.check(key.length > 0, 'idempotency_key', 'is required: a client-chosen id such as a UUID');
  v.check(key.length <= ORDER_LIMITS.maxKeyLength, 'idempotency_key', `must be at most ${ORDER_LIMITS.maxKeyLength} characters`);
  v.check(req.paymentToken.length <= ORDER_LIMITS.maxTokenLength, 'payment_token', `must be at most ${ORDER_LIMITS.maxTokenLength} characters`);
  v.check(req.items.length > 0, 'items', 'must hold at least one item');
  v.check(req.items.length <= ORDER_LIMITS.maxLines, 'items', `must hold at most ${ORDER_LIMITS.maxLines} items`);
  if (req.items.length > ORDER_LIMITS.maxLines) v.throwIfAny();
  req.items.forEach((item, i) => {
    v.check(isUuid(item.productId.trim()), `items[${i}].product_id`, 'must be a product id (UUID)');
    v.check(
      Number.isInteger(item.quantity) && item.quantity >= 1 && item.quantity <= ORDER_LIMITS.maxQuantity,
      `items[${i}].quantity`,
      `must be between 1 and ${ORDER_LIMITS.maxQuantity}`,
    );
  });
  v.throwIfAny();

  const merged = new Map<string, number>();
  for (const item of req.items) {
    const productId = item.productId.trim().toLowerCase();
    merged.set(productId, (merged.get(productId) ?? 0) + item.quantity);
  }
  const lines = [...merged].map(([productId, quantity]) => ({ productId, quantity }));
  const over = lines.find((l) => l.quantity > ORDER_LIMITS.maxQuantity);
  if (over) new Violations().add('items', `at most ${ORDER_LIMITS.maxQuantity} of product ${over.productId} in one order`).throwIfAny();
  return lines;
}
