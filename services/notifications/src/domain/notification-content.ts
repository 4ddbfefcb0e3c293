import type { EventPayload } from '../../../../platform/events/catalog';
import type { Money } from '../../../../gen/ts/shop/common/v1/money';
import { formatMoney } from './money-format';

/** The business events a user is told about; each one makes exactly one notification. */
export type NotifiedEvent = 'UserRegistered' | 'OrderCreated' | 'OrderPaid' | 'PaymentFailed' | 'OrderCancelled' | 'PaymentRefunded';

/** What one user is told about one event. */
export interface NotificationContent {
  userId: string;
  title: string;
  body: string;
}

/** Columns of the notifications table; a text from another service (a decline reason) is clipped to fit, never refused. */
export const CONTENT_LIMITS = { userId: 36, title: 120, body: 1000 };

/** Clips by code points, as the column counts them, so an emoji is never cut in half. */
const clip = (text: string, max: number) => {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
};

/** The seed-002 line: the notification of a new order, and the line the service logs for it. */
export function orderConfirmedLine(orderId: string, displayName: string): string {
  const name = displayName.trim();
  return name ? `📩 Order ${orderId} confirmed for ${name}` : `📩 Order ${orderId} confirmed`;
}

const amount = (money: Money | undefined, before: string) => (money ? `${before}${formatMoney(money)}` : '');

const content = (userId: string, title: string, body: string): NotificationContent => ({
  userId: userId.trim(),
  title: clip(title, CONTENT_LIMITS.title),
  body: clip(body, CONTENT_LIMITS.body),
});

/** Title and body per event. A field an event lacks leaves its phrase out rather than printing a blank. */
export const notificationContent: { [N in NotifiedEvent]: (event: EventPayload<N>) => NotificationContent } = {
  UserRegistered: (e) => content(e.userId, 'Welcome', e.displayName.trim() ? `Welcome to shopmesh, ${e.displayName.trim()}` : 'Welcome to shopmesh'),
  OrderCreated: (e) => content(e.userId, 'Order received', orderConfirmedLine(e.orderId, e.userDisplayName)),
  OrderPaid: (e) => content(e.userId, 'Payment received', `Payment received for order ${e.orderId}${amount(e.total, ': ')}`),
  PaymentFailed: (e) => content(e.userId, 'Payment failed', `Payment failed for order ${e.orderId}${e.reason.trim() ? `: ${e.reason.trim()}` : ''}`),
  OrderCancelled: (e) => content(e.userId, 'Order cancelled', `Order ${e.orderId} cancelled${e.wasPaid ? '; a refund is on its way' : ''}`),
  PaymentRefunded: (e) =>
    content(e.userId, 'Refund issued', e.amount ? `Refund of ${formatMoney(e.amount)} issued for order ${e.orderId}` : `Refund issued for order ${e.orderId}`),
};

/** Why an event cannot make a notification (no retry can fix it), or undefined when it can. */
export function unaddressable({ userId }: NotificationContent): string | undefined {
  if (!userId) return 'the event names no user (user_id is empty)';
  if (userId.length > CONTENT_LIMITS.userId) return `user_id is longer than ${CONTENT_LIMITS.userId} characters`;
  return undefined;
}
