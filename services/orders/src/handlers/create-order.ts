import type { CallOptions, TypedClient } from '../../../../platform/client';
import type { Outbox } from '../../../../platform/events/outbox';
import { RpcError } from '../../../../platform/errors';
import { counter, histogram } from '../../../../platform/metrics';
import { caller, type CallContext } from '../../../../platform/rpc/context';
import type { CatalogServiceService } from '../../../../gen/ts/shop/catalog/v1/catalog';
import type { CreateOrderRequest, CreateOrderResponse } from '../../../../gen/ts/shop/orders/v1/orders';
import type { UsersServiceService } from '../../../../gen/ts/shop/users/v1/users';
import { orderIdFor } from '../domain/order-id';
import { parseOrderRequest } from '../domain/order-request';
import { priceOrder, type CatalogPrice } from '../domain/pricing';
import type { PaymentsServiceService } from '../../../../gen/ts/shop/payments/v1/payments';
import type { OrdersStore, StoredOrder } from '../store/orders-store';
import { dependencyFailure, paymentIntentFailure, stockReservationFailure } from './dependencies';
import { toOrder } from './mapping';

/** Business counters: orders created and their value, per currency (minor units, e.g. cents). */
const ordersCreated = counter('orders_created_total', 'Orders created (an idempotent retry counts once), by currency.', ['currency']);
const orderValue = histogram(
  'order_value_minor',
  'Total of each created order in minor units of its currency (cents); _sum is the revenue ordered.',
  ['currency'],
  {
    buckets: [500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 500_000],
  },
);

export interface CreateOrderDeps {
  store: OrdersStore;
  users: TypedClient<typeof UsersServiceService>;
  catalog: TypedClient<typeof CatalogServiceService>;
  payments: TypedClient<typeof PaymentsServiceService>;
  outbox: Outbox;
  /** Authenticates orders itself: catalog's ReserveStock / ReleaseStock and payments' CreatePaymentIntent are for services only. */
  serviceAuth: () => Promise<CallOptions>;
}

/**
 * Validates the caller with users, prices the items with catalog, reserves
 * their stock in catalog, hands the payment token to payments (a payment
 * intent), then writes the order and its OrderCreated event in one
 * transaction. The same idempotency key always answers with the order it
 * first created, and always names the same order id, which is the id of its
 * stock reservation (docs/stock.md) and of its payment intent. The token is
 * neither stored here nor published (docs/security.md).
 */
export function createOrderHandler({ store, users, catalog, payments, outbox, serviceAuth }: CreateOrderDeps) {
  return async function createOrder(req: CreateOrderRequest, ctx: CallContext): Promise<CreateOrderResponse> {
    const lines = parseOrderRequest(req);
    const { userId } = caller(ctx);
    const key = req.idempotencyKey.trim();
    const existing = await store.byIdempotencyKey(userId, key);
    if (existing) return { order: toOrder(existing) };

    const [{ user }, { products }] = await Promise.all([
      users.getUser({ userId }).catch((error) => {
        throw dependencyFailure('users', error);
      }),
      catalog.batchGetProducts({ ids: lines.map((l) => l.productId) }).catch((error) => {
        throw dependencyFailure('catalog', error);
      }),
    ]);
    const prices = new Map<string, CatalogPrice>(
      products.map((p) => [
        p.id,
        {
          id: p.id,
          name: p.name,
          stock: p.stock,
          currency: p.price?.currencyCode ?? '',
          amountMinor: BigInt(p.price?.amountMinor ?? 0),
        },
      ]),
    );
    const priced = priceOrder(lines, prices);

    // Reserved before the order is written: stock is taken atomically or the
    // order is refused (OUT_OF_STOCK), and a retry with this key re-uses this
    // reservation instead of taking the stock again.
    const orderId = orderIdFor(userId, key);
    try {
      await catalog.reserveStock({ reservationId: orderId, items: lines }, await serviceAuth());
    } catch (error) {
      // Another request with this key but other items won the race and wrote its order: answer with it, as for any repeated key.
      const winner = RpcError.from(error)?.details.reason === 'RESERVATION_MISMATCH' ? await store.byIdempotencyKey(userId, key) : undefined;
      if (winner) return { order: toOrder(winner) };
      throw stockReservationFailure(error);
    }
    // Best effort: the reservation's expiry is the backstop, and an order that
    // was committed after all takes its stock again when catalog sees its OrderCreated.
    const releaseStock = (reason: string) =>
      serviceAuth()
        .then((auth) => catalog.releaseStock({ reservationId: orderId, reason }, auth))
        .catch((releaseError) => ctx.log.warn({ err: releaseError, orderId }, 'stock release failed; the reservation expires instead'));

    const money = (minor: bigint) => ({ currencyCode: priced.currency, amountMinor: minor.toString() });
    // Before the order exists, so every OrderCreated has the intent payments charges from.
    try {
      await payments.createPaymentIntent({ orderId, userId, amount: money(priced.totalMinor), paymentToken: req.paymentToken }, await serviceAuth());
    } catch (error) {
      // Another request with this key (same order id, same reservation) stored
      // its intent for another total: answer with its order, and keep the
      // stock, which is that order's too.
      if (RpcError.from(error)?.details.reason === 'PAYMENT_INTENT_MISMATCH') {
        const winner = await store.byIdempotencyKey(userId, key);
        if (winner) return { order: toOrder(winner) };
      } else {
        await releaseStock('the payment could not be prepared');
      }
      throw paymentIntentFailure(error);
    }

    const now = new Date();
    const order = {
      id: orderId,
      user_id: userId,
      idempotency_key: key,
      status: 'PENDING' as const,
      status_reason: '',
      currency: priced.currency,
      total_minor: priced.totalMinor.toString(),
      created_at: now,
      updated_at: now,
    };
    let inserted: StoredOrder | undefined;
    try {
      inserted = await store.insert(order, priced, (trx) =>
        outbox.add(trx, 'OrderCreated', order.id, {
          orderId: order.id,
          userId,
          userDisplayName: user?.displayName ?? '',
          items: priced.lines.map((l) => ({
            productId: l.productId,
            productName: l.productName,
            quantity: l.quantity,
            unitPrice: money(l.unitMinor),
            lineTotal: money(l.lineMinor),
          })),
          total: money(priced.totalMinor),
          // Deprecated field, always empty: payments charges from its intent.
          paymentToken: '',
          createdAt: now,
        }),
      );
    } catch (error) {
      // The order was not written (as far as we can tell): give the stock back
      // now rather than at the reservation's expiry. The intent's token is
      // forgotten by payments' sweep (PAYMENT_INTENT_TOKEN_TTL_HOURS).
      await releaseStock('the order could not be written');
      throw error;
    }
    if (inserted) {
      ordersCreated.inc({ currency: priced.currency });
      orderValue.observe({ currency: priced.currency }, Number(priced.totalMinor));
    }
    // Lost a race with a concurrent request carrying the same key: answer with
    // the winner, which holds the same reservation (same order id).
    const stored = inserted ?? (await store.byIdempotencyKey(userId, key));
    return { order: toOrder(stored!) };
  };
}
