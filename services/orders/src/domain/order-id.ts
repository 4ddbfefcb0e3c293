import { nameBasedId } from '../../../../platform/ids';

/** uuid5(NAMESPACE_URL, "https://shopmesh.dev/orders/orders"). */
export const ORDERS_NAMESPACE = '49836f07-92ae-514f-8ecf-59927f81fb4e';

/**
 * The id of the order a user's idempotency key stands for. Derived, not
 * random, so a retried CreateOrder (after a timeout, a crash, a lost race)
 * names the same order, and with it the same stock reservation in catalog:
 * a retry re-uses the reservation instead of taking the stock twice. The key
 * is scoped to its user, as the orders table's unique index is; user ids are
 * UUIDs, so no key can make its name collide with another user's.
 */
export const orderIdFor = (userId: string, idempotencyKey: string) => nameBasedId(ORDERS_NAMESPACE, `${userId}\n${idempotencyKey}`);
