import { caller, type CallContext } from '../../../../platform/rpc/context';
import type { ListNotificationsRequest, ListNotificationsResponse } from '../../../../gen/ts/shop/notifications/v1/notifications';
import { feedPages, type NotificationsStore } from '../store/notifications-store';
import { toNotification } from './mapping';

/** The caller's own feed, newest first, a keyset page at a time. */
export function listNotificationsHandler(store: NotificationsStore) {
  return async function listNotifications(req: ListNotificationsRequest, ctx: CallContext): Promise<ListNotificationsResponse> {
    const { userId } = caller(ctx);
    const page = feedPages.request(req, { userId });
    const { items, nextPageToken } = feedPages.respond(await store.listByUser(userId, page), page);
    return { notifications: items.map(toNotification), nextPageToken };
  };
}
