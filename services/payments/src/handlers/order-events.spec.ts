import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Envelope } from '../../../../platform/events/envelope';
import type { Outbox } from '../../../../platform/events/outbox';
import { createFieldCipher } from '../../../../platform/field-cipher';
import { createLogger } from '../../../../platform/logger';
import type { OrderCreated } from '../../../../gen/ts/shop/orders/v1/events';
import { createSimulatedProcessor, type ChargeRequest } from '../domain/processor';
import type { PaymentIntentRow, PaymentIntentsStore } from '../store/payment-intents-store';
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
    listByUser: async () => assert.fail('charging and refunding list nothing'),
    lockByOrder: async (_trx, orderId) => rows.get(orderId),
    update: async (_trx, id, changes) => {
      for (const row of rows.values()) if (row.id === id) Object.assign(row, changes);
    },
  };
  return { store, rows };
}

const tokenCipher = createFieldCipher(randomBytes(32).toString('base64'), 'payment token');

/** The intents orders created, keyed by order id, with their tokens encrypted as the real store keeps them. */
function memoryIntents() {
  const rows = new Map<string, PaymentIntentRow>();
  const intents: PaymentIntentsStore = {
    insertOrGet: async (row) => {
      const existing = rows.get(row.order_id);
      if (existing) return { intent: existing, created: false };
      rows.set(row.order_id, { ...row });
      return { intent: row, created: true };
    },
    lockByOrder: async (_trx, orderId) => rows.get(orderId),
    forgetToken: async (_trx, orderId) => {
      const row = rows.get(orderId);
      if (row) row.token_ciphertext = null;
    },
    forgetStaleTokens: async () => 0,
  };
  const add = (event: OrderCreated, token: string) =>
    rows.set(event.orderId, {
      order_id: event.orderId,
      user_id: event.userId,
      currency: event.total!.currencyCode,
      amount_minor: event.total!.amountMinor,
      token_ciphertext: tokenCipher.encrypt(token, event.orderId),
      created_at: new Date(),
      updated_at: new Date(),
    });
  return { intents, rows, add };
}

const trx = {} as Knex.Transaction;
const envelope = { id: randomUUID() } as Envelope;
const orderCreated = (orderId: string): OrderCreated => ({
  orderId,
  userId: randomUUID(),
  userDisplayName: 'Ada',
  items: [],
  total: { currencyCode: 'EUR', amountMinor: '1250' },
  paymentToken: '',
  createdAt: new Date(),
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
  const reasons: string[] = [];
  const outbox: Outbox = {
    add: async (_trx, name, _key, payload) => {
      written.push(name);
      if (name === 'PaymentFailed') reasons.push((payload as { reason: string }).reason);
      return {} as Envelope;
    },
  };
  const { intents, rows: intentRows, add: addIntent } = memoryIntents();
  const retry = { maxAttempts: 3, baseMs: 1 };

  beforeEach(() => {
    charged.length = 0;
    written.length = 0;
    reasons.length = 0;
  });

  it('charges the one payment of an order under an id derived from the order, on every retry', async () => {
    const orderId = randomUUID();
    // The first try takes the charge, then its transaction rolls back (the commit never happened).
    const event = orderCreated(orderId);
    addIntent(event, 'tok_visa');
    const lost = memoryStore();
    await orderEventHandlers({ store: lost.store, intents, tokenCipher, processor: spy, outbox, log, retry }).OrderCreated!(event, envelope, trx);
    addIntent(event, 'tok_visa'); // the rollback gives the token back too
    const retried = memoryStore();
    await orderEventHandlers({ store: retried.store, intents, tokenCipher, processor: spy, outbox, log, retry }).OrderCreated!(event, envelope, trx);
    assert.deepEqual(
      charged.map((c) => c.paymentId),
      [paymentIdOf(orderId), paymentIdOf(orderId)],
      'the same idempotency key both times',
    );
    assert.equal(retried.rows.get(orderId)!.id, paymentIdOf(orderId));
    assert.equal(retried.rows.get(orderId)!.status, 'SUCCEEDED');
  });

  it('never charges an order whose cancellation arrived first', async () => {
    const orderId = randomUUID();
    const { store, rows } = memoryStore();
    const handlers = orderEventHandlers({ store, intents, tokenCipher, processor: spy, outbox, log, retry });
    const created = orderCreated(orderId);
    addIntent(created, 'tok_visa');
    await handlers.OrderCancelled!({ orderId, userId: created.userId, reason: 'changed my mind', wasPaid: false, cancelledAt: new Date() }, envelope, trx);
    await handlers.OrderCreated!(created, envelope, trx);
    assert.deepEqual(charged, []);
    assert.deepEqual(written, []);
    assert.equal(rows.get(orderId)!.status, 'CANCELLED');
    assert.equal(intentRows.get(orderId)!.token_ciphertext, null, "the cancelled order's token is forgotten");
  });

  it("charges with the intent's token, never the event's, and forgets it with the answer", async () => {
    const { store, rows } = memoryStore();
    const handlers = orderEventHandlers({ store, intents, tokenCipher, processor: spy, outbox, log, retry });
    const event = { ...orderCreated(randomUUID()), paymentToken: 'tok_visa' };
    addIntent(event, 'tok_declined');
    await handlers.OrderCreated!(event, envelope, trx);
    assert.deepEqual(
      charged.map((c) => c.token),
      ['tok_declined'],
    );
    assert.equal(rows.get(event.orderId)!.status, 'FAILED');
    assert.deepEqual(reasons, ['card declined']);
    assert.equal(intentRows.get(event.orderId)!.token_ciphertext, null);
  });

  it('fails the payment of an order without an intent, or whose intent is for another amount, and never charges it', async () => {
    const { store, rows } = memoryStore();
    const handlers = orderEventHandlers({ store, intents, tokenCipher, processor: spy, outbox, log, retry });
    const orphan = { ...orderCreated(randomUUID()), paymentToken: 'tok_visa' };
    await handlers.OrderCreated!(orphan, envelope, trx);
    const other = orderCreated(randomUUID());
    addIntent({ ...other, total: { currencyCode: 'EUR', amountMinor: '1' } }, 'tok_visa');
    await handlers.OrderCreated!(other, envelope, trx);
    assert.deepEqual(charged, []);
    assert.deepEqual(written, ['PaymentFailed', 'PaymentFailed']);
    assert.deepEqual(reasons, ['no payment intent', 'payment intent does not match the order']);
    assert.equal(rows.get(orphan.orderId)!.status, 'FAILED');
    assert.equal(intentRows.get(other.orderId)!.token_ciphertext, null);
  });

  it('derives payment ids that differ per order and are UUIDs', () => {
    const [a, b] = [randomUUID(), randomUUID()];
    assert.notEqual(paymentIdOf(a), paymentIdOf(b));
    assert.equal(paymentIdOf(a), paymentIdOf(a));
    assert.match(paymentIdOf(a), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
