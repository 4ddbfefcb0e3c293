import assert from 'node:assert/strict';
import { notificationContent, orderConfirmedLine, unaddressable, CONTENT_LIMITS } from './notification-content';

const eur = (amountMinor: string) => ({ currencyCode: 'EUR', amountMinor });
const at = new Date('2026-11-25T12:00:00.000Z');
const ORDER = '6f1c1d0e-5d7a-4c43-9a57-2f6f4a2b9c10';
const USER = '0b0e7c1a-3f0e-4a53-8a61-4d7d4b8f3c22';

describe('notification content', () => {
  it('welcomes a new user by name', () => {
    assert.deepEqual(notificationContent.UserRegistered({ userId: USER, displayName: 'Ada Lovelace', registeredAt: at }), {
      userId: USER,
      title: 'Welcome',
      body: 'Welcome to shopmesh, Ada Lovelace',
    });
  });

  it('confirms a new order with the seed-002 line', () => {
    const created = notificationContent.OrderCreated({
      orderId: ORDER,
      userId: USER,
      userDisplayName: 'Ada Lovelace',
      items: [],
      total: eur('1250'),
      paymentToken: 'tok',
      createdAt: at,
    });
    assert.deepEqual(created, { userId: USER, title: 'Order received', body: `📩 Order ${ORDER} confirmed for Ada Lovelace` });
  });

  it('the seed-002 line leaves out a name the event does not carry', () => {
    assert.equal(orderConfirmedLine(ORDER, 'Grace'), `📩 Order ${ORDER} confirmed for Grace`);
    assert.equal(orderConfirmedLine(ORDER, '  '), `📩 Order ${ORDER} confirmed`);
  });

  it('tells a payment with its amount', () => {
    const paid = notificationContent.OrderPaid({ orderId: ORDER, userId: USER, paymentId: 'p-1', total: eur('1250'), paidAt: at });
    assert.deepEqual(paid, { userId: USER, title: 'Payment received', body: `Payment received for order ${ORDER}: 12.50 EUR` });
    assert.equal(
      notificationContent.OrderPaid({ orderId: ORDER, userId: USER, paymentId: 'p-1', total: undefined, paidAt: at }).body,
      `Payment received for order ${ORDER}`,
    );
  });

  it('tells a failed payment with its reason', () => {
    const failed = notificationContent.PaymentFailed({
      paymentId: 'p-1',
      orderId: ORDER,
      userId: USER,
      amount: eur('1250'),
      reason: 'card declined',
      failedAt: at,
    });
    assert.deepEqual(failed, { userId: USER, title: 'Payment failed', body: `Payment failed for order ${ORDER}: card declined` });
    assert.equal(
      notificationContent.PaymentFailed({ paymentId: 'p-1', orderId: ORDER, userId: USER, amount: undefined, reason: '', failedAt: at }).body,
      `Payment failed for order ${ORDER}`,
    );
  });

  it('tells a cancellation, and that a refund follows when the order was paid', () => {
    const cancelled = (wasPaid: boolean) =>
      notificationContent.OrderCancelled({ orderId: ORDER, userId: USER, reason: 'changed my mind', wasPaid, cancelledAt: at });
    assert.deepEqual(cancelled(false), { userId: USER, title: 'Order cancelled', body: `Order ${ORDER} cancelled` });
    assert.equal(cancelled(true).body, `Order ${ORDER} cancelled; a refund is on its way`);
  });

  it('tells a refund with its amount', () => {
    const refunded = notificationContent.PaymentRefunded({ paymentId: 'p-1', orderId: ORDER, userId: USER, amount: eur('990'), refundedAt: at });
    assert.deepEqual(refunded, { userId: USER, title: 'Refund issued', body: `Refund of 9.90 EUR issued for order ${ORDER}` });
  });

  it('clips a long reason to the column, on a whole character', () => {
    const reason = `${'x'.repeat(CONTENT_LIMITS.body)}📩`;
    const { body } = notificationContent.PaymentFailed({ paymentId: 'p', orderId: ORDER, userId: USER, amount: undefined, reason, failedAt: at });
    assert.equal(Array.from(body).length, CONTENT_LIMITS.body);
    assert.ok(body.endsWith('x…'));
  });

  it('refuses content it could not address to anyone', () => {
    assert.match(unaddressable({ userId: '', title: 't', body: 'b' }) ?? '', /names no user/);
    assert.match(unaddressable({ userId: 'u'.repeat(37), title: 't', body: 'b' }) ?? '', /longer than 36/);
    assert.equal(unaddressable({ userId: USER, title: 't', body: 'b' }), undefined);
  });
});
