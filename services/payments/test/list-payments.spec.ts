import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import knex, { type Knex } from 'knex';
import type { CallOptions } from '../../../platform/client';
import { connectionFor } from '../../../platform/db';
import { Code } from '../../../platform/errors';
import { PaymentStatus, type Payment } from '../../../gen/ts/shop/payments/v1/payments';
import { createEventBus, type EventBus } from '../../../test/support/event-bus';
import { until } from '../../../test/support/poll';
import { rpcErrorOf } from '../../../test/support/rpc-error';
import { startServiceUnderTest, type ServiceUnderTest } from '../../../test/support/service-under-test';
import { createPaymentsStore, type PaymentRow } from '../src/store/payments-store';
import { paymentsService } from '../src/service';

/** Every field of Payment, and nothing else: no payment token, no card data (docs/security.md, "Payment tokens"). */
const PAYMENT_FIELDS = ['amount', 'attempts', 'createdAt', 'failureReason', 'id', 'orderId', 'status', 'updatedAt', 'userId'];

/**
 * ListPayments on real MariaDB (and Kafka for the charge): a user's payments
 * newest first, keyset-paged; the caller's own, or any user's for an admin.
 * Most rows are written through payments' own store with chosen times (ties
 * included) so that paging is checked where it is hard; one payment is taken
 * the real way, intent then OrderCreated, and read back like GetPayment.
 */
describe('payments: ListPayments', function () {
  this.timeout(60_000);
  let payments: ServiceUnderTest<typeof paymentsService>;
  let db: Knex;
  let bus: EventBus;
  const ada = { userId: randomUUID(), auth: {} as CallOptions };
  const bob = { userId: randomUUID(), auth: {} as CallOptions };
  /** Ada's seeded payments, newest first as ListPayments must answer them. */
  let adas: PaymentRow[] = [];

  const aRow = (userId: string, createdAt: Date): PaymentRow => ({
    id: randomUUID(),
    order_id: randomUUID(),
    user_id: userId,
    currency: 'EUR',
    amount_minor: '1250',
    status: 'SUCCEEDED',
    failure_reason: '',
    attempts: 1,
    created_at: createdAt,
    updated_at: createdAt,
  });
  const seed = async (rows: PaymentRow[]) => {
    const store = createPaymentsStore(db);
    await db.transaction(async (trx) => {
      for (const row of rows) assert.ok(await store.insert(trx, row));
    });
  };
  /** Newest first, ties by id descending: the order paymentPages declares. */
  const newestFirst = (rows: PaymentRow[]) =>
    [...rows].sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const list = (fields: { pageSize?: number; pageToken?: string; userId?: string }, auth?: CallOptions) =>
    payments.client.listPayments({ pageSize: 0, pageToken: '', userId: '', ...fields }, auth);
  /** Every page of a listing, following next_page_token to its end. */
  const listAll = async (fields: { pageSize: number; userId?: string }, auth: CallOptions) => {
    const pages: Payment[][] = [];
    let pageToken = '';
    do {
      const page = await list({ ...fields, pageToken }, auth);
      pages.push(page.payments);
      pageToken = page.nextPageToken;
    } while (pageToken && pages.length < 50);
    return pages;
  };
  const ids = (items: { id: string }[]) => items.map((p) => p.id);

  before(async () => {
    payments = await startServiceUnderTest(paymentsService, { ownTopics: true });
    db = knex({ client: 'mysql2', connection: connectionFor(payments.config.MYSQL_URL, payments.config.PAYMENTS_DB_NAME), pool: { min: 0, max: 2 } });
    bus = createEventBus(payments.config);
    ada.auth = await payments.as(ada.userId);
    bob.auth = await payments.as(bob.userId);
    // Seven of Ada's, three of them in the same millisecond (the id breaks the tie), and two of Bob's between them.
    const t = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 12, minutes, 0, 0));
    adas = [
      aRow(ada.userId, t(1)),
      aRow(ada.userId, t(2)),
      aRow(ada.userId, t(3)),
      aRow(ada.userId, t(3)),
      aRow(ada.userId, t(3)),
      aRow(ada.userId, t(5)),
      aRow(ada.userId, t(6)),
    ];
    await seed([...adas, aRow(bob.userId, t(2)), aRow(bob.userId, t(4))]);
    adas = newestFirst(adas);
  });
  after(async () => {
    await bus?.close();
    await db?.destroy();
    await payments?.stop();
  });

  it("lists the caller's own payments only, newest first", async () => {
    const { payments: page, nextPageToken } = await list({}, ada.auth);
    assert.deepEqual(ids(page), ids(adas));
    assert.equal(nextPageToken, '');
    assert.ok(page.every((p) => p.userId === ada.userId));
    assert.deepEqual(ids((await list({ userId: ada.userId.toUpperCase() }, ada.auth)).payments), ids(adas), 'naming oneself is the same list');
    assert.equal((await list({}, bob.auth)).payments.length, 2);
    assert.deepEqual((await list({}, payments.asCustomer)).payments, [], 'a user without payments gets an empty page');
  });

  it("lets an admin list any user's payments with user_id, and refuses a customer another user's", async () => {
    assert.deepEqual(ids((await list({ userId: ada.userId }, payments.asAdmin)).payments), ids(adas));
    assert.deepEqual((await list({}, payments.asAdmin)).payments, [], "without user_id, the admin's own");
    const denied = await rpcErrorOf(list({ userId: ada.userId }, bob.auth));
    assert.equal(denied.code, Code.PERMISSION_DENIED);
    assert.doesNotMatch(denied.message, new RegExp(ada.userId), 'the error does not echo whose payments were asked for');
  });

  it('pages through every payment once, in order, whatever the page size', async () => {
    for (const pageSize of [1, 2, 3, 7]) {
      const pages = await listAll({ pageSize }, ada.auth);
      assert.deepEqual(ids(pages.flat()), ids(adas), `page size ${pageSize}: no repeat, no gap`);
      assert.deepEqual(
        pages.map((p) => p.length),
        Array.from({ length: Math.ceil(adas.length / pageSize) }, (_, i) => Math.min(pageSize, adas.length - i * pageSize)),
      );
    }
    const asAdmin = await listAll({ pageSize: 3, userId: ada.userId }, payments.asAdmin);
    assert.deepEqual(ids(asAdmin.flat()), ids(adas));
  });

  it('keeps paging steady while new payments arrive: they are newer, so the pages already begun neither repeat nor skip', async () => {
    const carolId = randomUUID();
    const carol = await payments.as(carolId);
    const old = newestFirst([0, 1, 2, 3].map((m) => aRow(carolId, new Date(Date.UTC(2026, 10, 1, 0, m)))));
    await seed(old);
    const first = await list({ pageSize: 2 }, carol);
    await seed([aRow(carolId, new Date())]);
    const second = await list({ pageSize: 2, pageToken: first.nextPageToken }, carol);
    assert.deepEqual([...ids(first.payments), ...ids(second.payments)], ids(old));
    assert.equal(second.nextPageToken, '');
  });

  it('answers bad page_size, page_token and user_id with INVALID_ARGUMENT naming each field', async () => {
    const all = await rpcErrorOf(list({ pageSize: -1, pageToken: 'not-a-token', userId: 'ada' }, ada.auth));
    assert.equal(all.code, Code.INVALID_ARGUMENT);
    assert.deepEqual(
      (all.details.fieldViolations ?? []).map((v) => v.field),
      ['user_id', 'page_size', 'page_token'],
    );
    const tooBig = await rpcErrorOf(list({ pageSize: 101 }, ada.auth));
    assert.deepEqual(
      (tooBig.details.fieldViolations ?? []).map((v) => v.field),
      ['page_size'],
    );

    // A token is good only for the listing it came from: another RPC's, or Ada's replayed for Bob's list.
    const adasToken = (await list({ pageSize: 2 }, ada.auth)).nextPageToken;
    const replayed = await rpcErrorOf(list({ pageSize: 2, pageToken: adasToken, userId: bob.userId }, payments.asAdmin));
    assert.equal(replayed.code, Code.INVALID_ARGUMENT);
    assert.deepEqual(
      (replayed.details.fieldViolations ?? []).map((v) => v.field),
      ['page_token'],
    );
  });

  it('refuses a caller without a token (UNAUTHENTICATED)', async () => {
    assert.equal((await rpcErrorOf(list({}))).code, Code.UNAUTHENTICATED);
    assert.equal((await rpcErrorOf(list({ userId: ada.userId }))).code, Code.UNAUTHENTICATED);
  });

  it('answers a charged payment exactly as GetPayment does: no payment token, no card data', async () => {
    const dora = { userId: randomUUID(), auth: {} as CallOptions };
    dora.auth = await payments.as(dora.userId);
    const orderId = randomUUID();
    const amount = { currencyCode: 'EUR', amountMinor: '990' };
    await payments.client.createPaymentIntent({ orderId, userId: dora.userId, amount, paymentToken: 'tok_visa' }, payments.asService);
    await bus.publish('OrderCreated', orderId, {
      orderId,
      userId: dora.userId,
      userDisplayName: 'Dora',
      items: [],
      total: amount,
      paymentToken: '',
      createdAt: new Date(),
    });
    const charged = await until(
      'the payment to be taken',
      async () => {
        const [payment] = (await list({}, dora.auth)).payments;
        return payment?.status === PaymentStatus.PAYMENT_STATUS_SUCCEEDED && payment;
      },
      { timeoutMs: 30_000 },
    );
    assert.deepEqual(charged, (await payments.client.getPayment({ orderId }, dora.auth)).payment);
    assert.equal(charged.orderId, orderId);
    assert.deepEqual(charged.amount, amount);
    assert.deepEqual(Object.keys(charged).sort(), PAYMENT_FIELDS);
    const wire = JSON.stringify((await list({}, dora.auth)).payments);
    assert.doesNotMatch(wire, /tok_|token|card|cipher/i);
  });
});
