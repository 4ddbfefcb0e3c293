import { invalidArgument, notFound, permissionDenied } from '../../../../platform/errors';
import { createPageTokens, pageSize } from '../../../../platform/page-token';
import { caller, isAdmin, type CallContext } from '../../../../platform/rpc/context';
import type { GetOrderRequest, GetOrderResponse, ListOrdersRequest, ListOrdersResponse } from '../../../../gen/ts/shop/orders/v1/orders';
import type { OrdersStore, StoredOrder } from '../store/orders-store';
import { toOrder } from './mapping';
import { isUuid, parseId } from '../../../../platform/ids';

const tokens = createPageTokens('ListOrders');

/** The order if the caller may see it: its owner, or an admin. */
export async function ownOrder(store: OrdersStore, orderId: string, ctx: CallContext): Promise<StoredOrder> {
  const stored = await store.byId(parseId(orderId, 'order_id', 'order'));
  if (!stored) throw notFound('order', orderId);
  if (stored.order.user_id !== caller(ctx).userId && !isAdmin(ctx)) throw permissionDenied('this order belongs to another user');
  return stored;
}

export function orderQueryHandlers(store: OrdersStore) {
  return {
    async getOrder(req: GetOrderRequest, ctx: CallContext): Promise<GetOrderResponse> {
      return { order: toOrder(await ownOrder(store, req.orderId, ctx)) };
    },

    async listOrders(req: ListOrdersRequest, ctx: CallContext): Promise<ListOrdersResponse> {
      const size = pageSize(req.pageSize);
      const { userId } = caller(ctx);
      const after = tokens.decode(req.pageToken, { userId });
      const position = after && { createdAt: new Date(after[0]), id: after[1] ?? '' };
      if (position && (Number.isNaN(position.createdAt.getTime()) || !isUuid(position.id))) {
        throw invalidArgument([{ field: 'page_token', description: 'is not a page token from a previous ListOrders response' }]);
      }
      const page = await store.listByUser(userId, size + 1, position);
      const more = page.length > size;
      const orders = page.slice(0, size);
      const last = orders[orders.length - 1]?.order;
      return {
        orders: orders.map(toOrder),
        nextPageToken: more && last ? tokens.encode([last.created_at.toISOString(), last.id], { userId }) : '',
      };
    },
  };
}
