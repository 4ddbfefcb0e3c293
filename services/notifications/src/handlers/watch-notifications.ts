import { unauthenticated } from '../../../../platform/errors';
import { caller, type StreamContext } from '../../../../platform/rpc/context';
import type { WatchNotificationsRequest, WatchNotificationsResponse } from '../../../../gen/ts/shop/notifications/v1/notifications';
import type { WatchQuota } from '../domain/watch-quota';
import type { LiveFeed } from '../store/live-feed';

/**
 * The caller's notifications as they are stored, by any instance, until the
 * client cancels, its deadline passes, this server drains or the caller's
 * token expires (the stream then ends UNAUTHENTICATED: a token checked once
 * must not keep a stream open for ever; the client logs in again and
 * watches again). Live only: the stream starts empty rather than replaying
 * recent ones; a client lists first (ListNotifications) and watches for what
 * comes next. Each send waits for the transport (backpressure); a reader that
 * falls far behind is ended. Watches are capped per user and per instance.
 */
export function watchNotificationsHandler(feed: Pick<LiveFeed, 'watch'>, quota: WatchQuota) {
  return async function watchNotifications(_req: WatchNotificationsRequest, ctx: StreamContext<WatchNotificationsResponse>): Promise<void> {
    const { userId, expiresAt } = caller(ctx);
    const release = quota.acquire(userId);
    const expiry = new AbortController();
    const timer = expiresAt ? setTimeout(() => expiry.abort(), Math.max(0, expiresAt.getTime() - Date.now())) : undefined;
    try {
      for await (const notification of feed.watch(userId, AbortSignal.any([ctx.signal, expiry.signal]))) await ctx.send({ notification });
      if (expiry.signal.aborted && !ctx.signal.aborted) throw unauthenticated('token expired; log in again and watch again');
    } finally {
      clearTimeout(timer);
      release();
    }
  };
}
