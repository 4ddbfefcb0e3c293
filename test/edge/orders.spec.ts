import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { adminToken, assertStatus, deployed, newCustomer, useEdge, violatedFields, type Edge } from './edge-client';

const eventually = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

describe('edge REST: orders and payments', function () {
  this.timeout(180_000);
  let edge: Edge;
  let shopper: Awaited<ReturnType<typeof newCustomer>>;
  let productId: string;
  let orderId: string;

  before(async function () {
    if (!deployed('orders')) this.skip(); // its routes are checked to answer 503 in unavailable.spec.ts
    edge = await useEdge();
    shopper = await newCustomer(edge, 'Order Shopper');
    productId = (await edge.request('GET', '/v1/products?pageSize=1&category=pizzas')).json.products[0].id;
  });

  it('POST /v1/orders creates an order priced by the catalog, idempotent by key', async () => {
    const body = { items: [{ productId, quantity: 2 }], idempotencyKey: randomUUID(), paymentToken: 'tok_visa' };
    const created = await edge.request('POST', '/v1/orders', { token: shopper.token, body });
    assert.equal(created.status, 200, created.text);
    orderId = created.json.order.id;
    assert.equal(created.json.order.items[0].quantity, 2);
    assert.equal(created.json.order.total.amountMinor, String(2 * Number(created.json.order.items[0].unitPrice.amountMinor)));
    const again = await edge.request('POST', '/v1/orders', { token: shopper.token, body });
    assert.equal(again.json.order.id, orderId);
  });

  it("GET /v1/orders/{order_id} and GET /v1/orders list the caller's own orders", async () => {
    const one = await edge.request('GET', `/v1/orders/${orderId}`, { token: shopper.token });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.order.userId, shopper.user.id);
    const list = await edge.request('GET', '/v1/orders?pageSize=5', { token: shopper.token });
    assert.equal(list.status, 200, list.text);
    assert.ok(list.json.orders.some((o: any) => o.id === orderId));
  });

  it('GET /v1/orders/{order_id}/payment shows the payment once it is taken', async function () {
    if (!deployed('payments')) this.skip();
    const payment = await eventually('the payment', async () => {
      const response = await edge.request('GET', `/v1/orders/${orderId}/payment`, { token: shopper.token });
      return response.status === 200 && response.json.payment.status === 'PAYMENT_STATUS_SUCCEEDED' ? response.json.payment : undefined;
    });
    assert.equal(payment.orderId, orderId);
  });

  it("GET /v1/payments lists the caller's own payments; another user's is 403, a bad page_size 400, no token 401", async function () {
    if (!deployed('payments')) this.skip();
    const listed = await edge.request('GET', '/v1/payments?pageSize=5', { token: shopper.token });
    assert.equal(listed.status, 200, listed.text);
    const mine = listed.json.payments.find((p: any) => p.orderId === orderId);
    assert.equal(mine?.status, 'PAYMENT_STATUS_SUCCEEDED', listed.text);
    assert.ok(listed.json.payments.every((p: any) => p.userId === shopper.user.id));
    assert.doesNotMatch(JSON.stringify(listed.json.payments), /tok_|token|card/i, 'no payment token, no card data');
    const stranger = await newCustomer(edge, 'Payments Stranger');
    assertStatus(await edge.request('GET', `/v1/payments?userId=${shopper.user.id}`, { token: stranger.token }), 403, 7);
    assertStatus(await edge.request('GET', '/v1/payments?pageSize=-1', { token: shopper.token }), 400, 3);
    assertStatus(await edge.request('GET', '/v1/payments'), 401, 16);
  });

  it('POST /v1/orders/{order_id}:cancel cancels; a second cancel is FAILED_PRECONDITION (400)', async () => {
    const cancelled = await edge.request('POST', `/v1/orders/${orderId}:cancel`, { token: shopper.token, body: { reason: 'changed my mind' } });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.json.order.status, 'ORDER_STATUS_CANCELLED');
    const again = await edge.request('POST', `/v1/orders/${orderId}:cancel`, { token: shopper.token, body: {} });
    assertStatus(again, 400, 9);
  });

  it('keeps orders private: another customer gets PERMISSION_DENIED or NOT_FOUND, nobody gets in without a token', async () => {
    const stranger = await newCustomer(edge, 'Stranger');
    const response = await edge.request('GET', `/v1/orders/${orderId}`, { token: stranger.token });
    assert.ok([403, 404].includes(response.status), response.text);
    assertStatus(await edge.request('GET', '/v1/orders'), 401, 16);
  });

  it('sells low stock once: concurrent orders against stock 3 through the edge, the others 400 OUT_OF_STOCK', async () => {
    const admin = await adminToken(edge);
    const product = await edge.request('POST', '/v1/products', {
      token: admin,
      body: {
        name: `Edge Last Slice ${randomUUID().slice(0, 8)}`,
        description: 'Only three left',
        category: 'pizzas',
        price: { currencyCode: 'EUR', amountMinor: '450' },
        stock: 3,
      },
    });
    assert.equal(product.status, 200, product.text);
    const id = product.json.product.id;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        edge.request('POST', '/v1/orders', {
          token: shopper.token,
          body: { items: [{ productId: id, quantity: 1 }], idempotencyKey: randomUUID(), paymentToken: 'tok_visa' },
        }),
      ),
    );
    assert.equal(responses.filter((r) => r.status === 200).length, 3, responses.map((r) => r.status).join(','));
    for (const refused of responses.filter((r) => r.status !== 200)) {
      assertStatus(refused, 400, 9);
      assert.ok(refused.text.includes('OUT_OF_STOCK'), refused.text);
    }
    assert.equal((await edge.request('GET', `/v1/products/${id}`)).json.product.stock, 0);
  });

  it('answers bad orders with 400 naming the fields', async () => {
    const empty = await edge.request('POST', '/v1/orders', { token: shopper.token, body: { items: [] } });
    assertStatus(empty, 400, 3);
    assert.deepEqual(violatedFields(empty), ['idempotency_key', 'items']);
    const badId = await edge.request('GET', '/v1/orders/not-an-order', { token: shopper.token });
    assertStatus(badId, 400, 3);
  });
});
