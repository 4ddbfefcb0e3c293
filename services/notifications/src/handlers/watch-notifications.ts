import { caller, type StreamContext } from '../../../../platform/rpc/context';
import type { WatchNotificationsRequest, WatchNotificationsResponse } from '../../../../gen/ts/shop/notifications/v1/notifications';
import type { LiveFeed } from '../store/live-feed';

/**
 * The caller's notifications as they are stored, by any instance, until the
 * client cancels, its deadline passes or this server drains. Live only: the
 * stream starts empty rather than replaying recent ones; a client lists first
 * (ListNotifications) and watches for what comes next. Each send waits for
 * the transport (backpressure); a reader that falls far behind is ended.
 */
export function watchNotificationsHandler(feed: Pick<LiveFeed, 'watch'>) {
  return async function watchNotifications(_req: WatchNotificationsRequest, ctx: StreamContext<WatchNotificationsResponse>): Promise<void> {
    const { userId } = caller(ctx);
    for await (const notification of feed.watch(userId, ctx.signal)) await ctx.send({ notification });
  };
}
