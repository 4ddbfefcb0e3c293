import { failedPrecondition, RpcError, Code, Violations } from '../../../../platform/errors';
import { isUuid } from '../../../../platform/ids';
import type { ReleaseStockRequest, ReserveStockRequest } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { isProductId } from './product-id';

export const RESERVATION_LIMITS = { maxItems: 100, maxQuantity: 1_000_000, maxReasonLength: 255 };

export type ReservationStatus = 'RESERVED' | 'CONFIRMED' | 'RELEASED';
/**
 * Why a reservation was released, which decides what a later OrderCreated
 * does with it. ABANDONED: the caller gave up on the order (its compensation)
 * or nobody confirmed it within the TTL, so the order was presumably never
 * written. ENDED: the order itself ended (payment failed, cancelled).
 */
export type ReleaseKind = 'ABANDONED' | 'ENDED';

export interface StockLine {
  productId: string;
  quantity: number;
}

export interface Reservation {
  id: string;
  status: ReservationStatus;
  releaseKind: ReleaseKind | null;
  /** One line per product, in product id order. */
  lines: StockLine[];
  createdAt: Date;
  expiresAt: Date;
}

/**
 * A ReserveStock request checked (every bad field named at once), its ids
 * lower-cased, a product named twice merged into one line, and the lines in
 * product id order: every reservation then locks its rows in the same order,
 * so two reservations of the same products cannot deadlock each other.
 */
export function parseReserveRequest(req: ReserveStockRequest): { id: string; lines: StockLine[] } {
  const v = new Violations();
  v.check(isUuid(req.reservationId), 'reservation_id', 'must be a reservation id (UUID)');
  v.check(req.items.length >= 1 && req.items.length <= RESERVATION_LIMITS.maxItems, 'items', `must hold 1-${RESERVATION_LIMITS.maxItems} items`);
  req.items.forEach((item, i) => {
    v.check(isProductId(item.productId), `items[${i}].product_id`, 'must be a product id (UUID)');
    v.check(
      Number.isInteger(item.quantity) && item.quantity >= 1 && item.quantity <= RESERVATION_LIMITS.maxQuantity,
      `items[${i}].quantity`,
      `must be between 1 and ${RESERVATION_LIMITS.maxQuantity}`,
    );
  });
  v.throwIfAny();
  const merged = new Map<string, number>();
  for (const item of req.items) {
    const id = item.productId.toLowerCase();
    merged.set(id, (merged.get(id) ?? 0) + item.quantity);
  }
  const over = [...merged].find(([, quantity]) => quantity > RESERVATION_LIMITS.maxQuantity);
  if (over) new Violations().add('items', `at most ${RESERVATION_LIMITS.maxQuantity} of product ${over[0]} in one reservation`).throwIfAny();
  return { id: req.reservationId.toLowerCase(), lines: inProductOrder([...merged].map(([productId, quantity]) => ({ productId, quantity }))) };
}

export function parseReleaseRequest(req: ReleaseStockRequest): { id: string; reason: string } {
  new Violations()
    .check(isUuid(req.reservationId), 'reservation_id', 'must be a reservation id (UUID)')
    .check(req.reason.length <= RESERVATION_LIMITS.maxReasonLength, 'reason', `must be at most ${RESERVATION_LIMITS.maxReasonLength} characters`)
    .throwIfAny();
  return { id: req.reservationId.toLowerCase(), reason: req.reason.trim() };
}

export const inProductOrder = (lines: StockLine[]) => [...lines].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));

export const sameLines = (a: StockLine[], b: StockLine[]) => {
  const [x, y] = [inProductOrder(a), inProductOrder(b)];
  return x.length === y.length && x.every((line, i) => line.productId === y[i].productId && line.quantity === y[i].quantity);
};

/**
 * What ReserveStock does with a reservation id it already knows. The same
 * lines are the same reservation: answered as it is (idempotent), except that
 * one the caller abandoned is taken again, because the caller is retrying the
 * order it gave up on. A reservation whose order ended stays released: a
 * reserve for it can only be a stale duplicate of the order's own request.
 * Other lines under the same id are refused.
 */
export function onRepeatedReserve(existing: Reservation, lines: StockLine[]): 'answer' | 'take-again' {
  if (!sameLines(existing.lines, lines)) {
    throw failedPrecondition(`reservation ${existing.id} already exists with other items; a new reservation needs a new id`, 'RESERVATION_MISMATCH', {
      reservation_id: existing.id,
    });
  }
  return existing.status === 'RELEASED' && existing.releaseKind === 'ABANDONED' ? 'take-again' : 'answer';
}

/**
 * What an OrderCreated does: the order exists, so its reservation is kept
 * until the order ends. An abandoned reservation is taken again (the order was
 * written after all: its compensation ran after a commit that only looked
 * failed, or its event came after the TTL), even if that leaves stock below
 * zero: the order is real, and negative stock shows the oversell instead of
 * hiding it. An ended or confirmed one stays as it is.
 */
export function onOrderCreated(existing: Reservation): 'confirm' | 'take-again' | 'nothing' {
  if (existing.status === 'RESERVED') return 'confirm';
  if (existing.status === 'RELEASED' && existing.releaseKind === 'ABANDONED') return 'take-again';
  return 'nothing';
}

/** Releasing gives stock back once: a released reservation stays as it is. */
export const releases = (existing: Reservation) => existing.status !== 'RELEASED';

export interface Shortage {
  productId: string;
  name: string;
  available: number;
  wanted: number;
}

/** FAILED_PRECONDITION naming every product short of stock, with how many are left. */
export function outOfStock(short: Shortage[]): RpcError {
  return new RpcError(Code.FAILED_PRECONDITION, `not enough stock for ${short.map((s) => `${s.name} (${s.available} left, ${s.wanted} wanted)`).join(', ')}`, {
    reason: 'OUT_OF_STOCK',
    metadata: { product_ids: short.map((s) => s.productId).join(','), product_names: short.map((s) => s.name).join(', ') },
    preconditionViolations: short.map((s) => ({
      type: 'STOCK',
      subject: `products/${s.productId}`,
      description: `${s.name}: ${s.available} in stock, ${s.wanted} wanted`,
    })),
  });
}

export const expiresAt = (now: Date, ttlSeconds: number) => new Date(now.getTime() + ttlSeconds * 1000);
