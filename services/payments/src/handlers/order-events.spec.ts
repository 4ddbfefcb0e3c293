import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Envelope } from '../../../../platform/events/envelope';
import type { Outbox } from '../../../../platform/events/outbox';
import { createLogger } from '../../../../platform/logger';
import type { OrderCreated } from '../../../../gen/ts/shop/orders/v1/events';
import { createSimulatedProcessor, type ChargeRequest } from '../domain/processor';
import type { PaymentRow, PaymentsStore } from '../store/payments-store';
import { orderEventHandlers, paymentIdOf } from './order-events';

/** A store whose rows vanish when the "transaction" is rolled back, as the database's would. */
function memoryStore() {
  const rows = new Map<string, PaymentRow>();
  const store: PaymentsStore = {
    insert: async (_trx, row) => {
      if (rows.has(row.order_id)) return false;
      rows.set(row.order_id, { ...row });
      return true;
    },
    byOrder: async (orderId) => rows.get(orderId),
    lockByOrder: async (_trx, orderId) => rows.get(orderId),
    update: async (_trx, id, changes) => {
      for (const row of rows.values()) if (row.id === id) Object.assign(row, changes);
    },
  };
  return { store, rows };
}

const trx = {} as Knex.Transaction;
const envelope = { id: randomUUID() } as Envelope;
const orderCreated = (orderId: string): OrderCreated => ({
  orderId, userId: randomUUID(), userDisplayName: 'Ada', items: [], total: { currencyCode: 'EUR', amountMinor: '1250' }, paymentToken: 'tok_visa', createdAt: new Date(),
});

describe('payments: the order events it handles', () => {
  const log = createLogger('payments-test', 'silent');
  const processor = createSimulatedProcessor();
  const charged: ChargeRequest[] = [];
  const spy = {
    charge: (req: ChargeRequest) => {
      charged.push(req);
      return processor.charge(req);
    },
  };
  const written: string[] = [];
  const outbox: Outbox = {
    add: async (_trx, name) => {
      written.push(name);
      return {} as Envelope;
    },
  };

  beforeEach(() => {
    charged.length = 0;
    written.length = 0;
  });

  it('charges the one payment of an order under an id derived from the order, on every retry', async () => {
    const orderId = randomUUID();
    // The first try takes the charge, then its transaction rolls back (the commit never happened).
    const lost = memoryStore();
    await orderEventHandlers({ store: lost.store, processor: spy, outbox, log, retry: { maxAttempts: 3, baseMs: 1 } }).OrderCreated!(orderCreated(orderId), envelope, trx);
    const retried = memoryStore();
    await orderEventHandlers({ store: retried.store, processor: spy, outbox, log, retry: { maxAttempts: 3, baseMs: 1 } }).OrderCreated!(orderCreated(orderId), envelope, trx);
    assert.deepEqual(charged.map((c) => c.paymentId), [paymentIdOf(orderId), paymentIdOf(orderId)], 'the same idempotency key both times');
    assert.equal(retried.rows.get(orderId)!.id, paymentIdOf(orderId));
    assert.equal(retried.rows.get(orderId)!.status, 'SUCCEEDED');
  });

  it('never charges an order whose cancellation arrived first', async () => {
    const orderId = randomUUID();
    const { store, rows } = memoryStore();
    const handlers = orderEventHandlers({ store, processor: spy, outbox, log, retry: { maxAttempts: 3, baseMs: 1 } });
    const created = orderCreated(orderId);
    await handlers.OrderCancelled!({ orderId, userId: created.userId, reason: 'changed my mind', wasPaid: false, cancelledAt: new Date() }, envelope, trx);
    await handlers.OrderCreated!(created, envelope, trx);
    assert.deepEqual(charged, []);
    assert.deepEqual(written, []);
    assert.equal(rows.get(orderId)!.status, 'CANCELLED');
  });

  it('derives payment ids that differ per order and are UUIDs', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    assert.notEqual(paymentIdOf(a), paymentIdOf(b));
    assert.equal(paymentIdOf(a), paymentIdOf(a));
    assert.match(paymentIdOf(a), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
