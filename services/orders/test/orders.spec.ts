import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CallOptions } from '../../../platform/client';
import { Code } from '../../../platform/errors';
import type { Product } from '../../../gen/ts/shop/catalog/v1/catalog';
import { OrderStatus } from '../../../gen/ts/shop/orders/v1/orders';
import { rpcErrorOf } from '../../../test/support/rpc-error';
import { startServiceUnderTest, type ServiceUnderTest } from '../../../test/support/service-under-test';
import { catalogService } from '../../catalog/src/service';
import { paymentsService } from '../../payments/src/service';
import { usersService } from '../../users/src/service';
import { ordersService } from '../src/service';

/**
 * Orders through its contract, on a real database, calling real users,
 * catalog and payments (each started by the same harness, on topics of this
 * suite alone): CreateOrder (validated, priced, stock reserved, idempotent by
 * key), GetOrder for its owner and admins, CancelOrder.
 */
describe('orders: CreateOrder, GetOrder, CancelOrder', function () {
  this.timeout(60_000);
  const topics = { KAFKA_TOPIC_PREFIX: `${process.env.KAFKA_TOPIC_PREFIX ?? ''}orders-${randomUUID().slice(0, 8)}.` };
  let users: ServiceUnderTest<typeof usersService>;
  let catalog: ServiceUnderTest<typeof catalogService>;
  let payments: ServiceUnderTest<typeof paymentsService>;
  let orders: ServiceUnderTest<typeof ordersService>;
  let shopper: CallOptions;
  let burger: Product;

  const stockOf = async (id: string) => (await catalog.client.getProduct({ id })).product!.stock;
  const anOrder = (fields: { idempotencyKey?: string; quantity?: number; productId?: string } = {}) => ({
    idempotencyKey: fields.idempotencyKey ?? randomUUID(),
    paymentToken: 'tok_visa',
    items: [{ productId: fields.productId ?? burger.id, quantity: fields.quantity ?? 2 }],
  });

  before(async () => {
    users = await startServiceUnderTest(usersService, { overrides: topics });
    catalog = await startServiceUnderTest(catalogService, { overrides: topics });
    payments = await startServiceUnderTest(paymentsService, { overrides: topics });
    orders = await startServiceUnderTest(ordersService, {
      calls: { users: users.address, catalog: catalog.address, payments: payments.address },
      overrides: topics,
    });
    // users answers GetUser for the caller: the shopper is a registered user.
    const email = `orders-${randomUUID().slice(0, 8)}@example.com`;
    await users.client.register({ email, password: 'orders-password', displayName: 'Orders Shopper', phone: '', address: '' });
    const { accessToken } = await users.client.login({ email, password: 'orders-password' });
    shopper = { metadata: { authorization: `Bearer ${accessToken}` } };
    ({ product: burger } = (await catalog.client.createProduct(
      {
        name: `Smash Burger ${randomUUID().slice(0, 8)}`,
        description: 'Two patties, cheddar, pickles.',
        category: 'burgers',
        price: { currencyCode: 'EUR', amountMinor: '1150' },
        stock: 50,
        tags: [],
        imageUrl: '',
      },
      catalog.asAdmin,
    )) as { product: Product });
  });

  after(async () => {
    for (const service of [orders, payments, catalog, users]) await service?.stop();
  });

  it('creates a pending order priced by catalog, reserving its stock', async () => {
    const before = await stockOf(burger.id);
    const { order } = await orders.client.createOrder(anOrder({ quantity: 3 }), shopper);
    assert.equal(order!.status, OrderStatus.ORDER_STATUS_PENDING);
    assert.deepEqual(order!.total, { currencyCode: 'EUR', amountMinor: '3450' });
    assert.equal(order!.items[0].productName, burger.name);
    assert.equal(await stockOf(burger.id), before - 3);
  });

  it('answers a retried CreateOrder (same key) with the order it first created, taking stock once', async () => {
    const request = anOrder();
    const first = (await orders.client.createOrder(request, shopper)).order!;
    const stock = await stockOf(burger.id);
    const again = (await orders.client.createOrder(request, shopper)).order!;
    assert.equal(again.id, first.id);
    assert.equal(await stockOf(burger.id), stock);
  });

  it('shows an order to its owner and to admins, and to nobody else', async () => {
    const { order } = await orders.client.createOrder(anOrder(), shopper);
    assert.equal((await orders.client.getOrder({ orderId: order!.id }, shopper)).order!.id, order!.id);
    assert.equal((await orders.client.getOrder({ orderId: order!.id }, orders.asAdmin)).order!.id, order!.id);
    assert.equal((await rpcErrorOf(orders.client.getOrder({ orderId: order!.id }, orders.asCustomer))).code, Code.PERMISSION_DENIED);
    assert.equal((await rpcErrorOf(orders.client.getOrder({ orderId: order!.id }))).code, Code.UNAUTHENTICATED);
    assert.equal((await rpcErrorOf(orders.client.getOrder({ orderId: randomUUID() }, shopper))).code, Code.NOT_FOUND);
  });

  it('cancels an order once; a second cancel is refused', async () => {
    const { order } = await orders.client.createOrder(anOrder(), shopper);
    const { order: cancelled } = await orders.client.cancelOrder({ orderId: order!.id, reason: 'changed my mind' }, shopper);
    assert.equal(cancelled!.status, OrderStatus.ORDER_STATUS_CANCELLED);
    assert.equal(cancelled!.statusReason, 'changed my mind');
    assert.equal((await orders.client.getOrder({ orderId: order!.id }, shopper)).order!.status, OrderStatus.ORDER_STATUS_CANCELLED);
    assert.equal((await rpcErrorOf(orders.client.cancelOrder({ orderId: order!.id, reason: '' }, shopper))).code, Code.FAILED_PRECONDITION);
    assert.equal((await rpcErrorOf(orders.client.cancelOrder({ orderId: order!.id, reason: '' }, orders.asCustomer))).code, Code.PERMISSION_DENIED);
  });

  it('names bad input, and refuses more than the stock', async () => {
    const bad = await rpcErrorOf(orders.client.createOrder({ idempotencyKey: '', paymentToken: '', items: [] }, shopper));
    assert.equal(bad.code, Code.INVALID_ARGUMENT);
    assert.ok((bad.details.fieldViolations ?? []).length > 0);
    const stock = await stockOf(burger.id);
    const tooMany = await rpcErrorOf(orders.client.createOrder(anOrder({ quantity: stock + 1 }), shopper));
    assert.equal(tooMany.code, Code.FAILED_PRECONDITION);
    assert.equal(tooMany.details.reason, 'OUT_OF_STOCK');
    assert.equal(await stockOf(burger.id), stock);
  });
});
