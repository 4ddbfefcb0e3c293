import { failedPrecondition } from '../../../../platform/errors';

export type OrderStatus = 'PENDING' | 'PAID' | 'PAYMENT_FAILED' | 'CANCELLED';

/** The order state machine: every legal move, and nothing else. */
const TRANSITIONS: Record<OrderStatus, OrderStatus[]> = {
  PENDING: ['PAID', 'PAYMENT_FAILED', 'CANCELLED'],
  PAID: ['CANCELLED'],
  PAYMENT_FAILED: [],
  CANCELLED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Refuses an illegal move with FAILED_PRECONDITION naming both states. */
export function assertTransition(orderId: string, from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) {
    throw failedPrecondition(`order ${orderId} is ${from} and cannot become ${to}`, 'ILLEGAL_ORDER_TRANSITION', { order_id: orderId, from, to });
  }
}
