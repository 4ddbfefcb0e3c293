import { caller, type CallContext } from '../../../../platform/rpc/context';
import { requireOwnerOrAdmin } from '../../../../platform/rpc/owner-or-admin';
import type { GetOrderRequest, GetOrderResponse, ListOrdersRequest, ListOrdersResponse } from '../../../../gen/ts/shop/orders/v1/orders';
import { orderPages, type OrdersStore, type StoredOrder } from '../store/orders-store';
import { toOrder } from './mapping';
import { parseId } from '../../../../platform/ids';

/** The order if the caller may see it: its owner, or an admin. */
export async function ownOrder(store: OrdersStore, orderId: string, ctx: CallContext): Promise<StoredOrder> {
  const stored = await store.byId(parseId(orderId, 'order_id', 'order'));
  return requireOwnerOrAdmin(ctx, stored, (s) => s.order.user_id, { type: 'order', name: orderId });
}

export function orderQueryHandlers(store: OrdersStore) {
  return {
    async getOrder(req: GetOrderRequest, ctx: CallContext): Promise<GetOrderResponse> {
      return { order: toOrder(await ownOrder(store, req.orderId, ctx)) };
    },

    async listOrders(req: ListOrdersRequest, ctx: CallContext): Promise<ListOrdersResponse> {
      const { userId } = caller(ctx);
      const page = orderPages.request(req, { userId });
      const { items, nextPageToken } = orderPages.respond(await store.listByUser(userId, page), page);
      return { orders: items.map(toOrder), nextPageToken };
    },
  };
}
