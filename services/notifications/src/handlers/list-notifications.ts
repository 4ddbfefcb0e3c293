import { invalidArgument } from '../../../../platform/errors';
import { createPageTokens, pageSize } from '../../../../platform/page-token';
import { caller, type CallContext } from '../../../../platform/rpc/context';
import type { ListNotificationsRequest, ListNotificationsResponse } from '../../../../gen/ts/shop/notifications/v1/notifications';
import { positionFromKey, positionKey } from '../domain/feed-position';
import type { NotificationsStore } from '../store/notifications-store';
import { toNotification } from './mapping';

const tokens = createPageTokens('ListNotifications');

/** The caller's own feed, newest first, a keyset page at a time. */
export function listNotificationsHandler(store: NotificationsStore) {
  return async function listNotifications(req: ListNotificationsRequest, ctx: CallContext): Promise<ListNotificationsResponse> {
    const size = pageSize(req.pageSize);
    const { userId } = caller(ctx);
    const key = tokens.decode(req.pageToken, { userId });
    const after = key && positionFromKey(key);
    if (key && !after) throw invalidArgument([{ field: 'page_token', description: 'is not a page token from a previous ListNotifications response' }]);
    const rows = await store.listByUser(userId, size + 1, after);
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    return {
      notifications: page.map(toNotification),
      nextPageToken: rows.length > size && last ? tokens.encode(positionKey({ createdAt: last.created_at, id: last.id }), { userId }) : '',
    };
  };
}
