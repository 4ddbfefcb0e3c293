import type Redis from 'ioredis';
import { Code, RpcError, unavailable } from '../../../../platform/errors';
import type { Logger } from '../../../../platform/logger';
import { Notification } from '../../../../gen/ts/shop/notifications/v1/notifications';

const CHANNEL_PREFIX = 'notifications:';

/** The Redis pub/sub channel of one user's live notifications, shared by every instance. */
export const feedChannel = (userId: string) => `${CHANNEL_PREFIX}${userId}`;

export interface LiveFeedOptions {
  log: Logger;
  /** Notifications a watcher may leave unread before it is ended as too slow. */
  maxPending?: number;
  /** How long a new watcher waits for the subscriber connection before UNAVAILABLE. */
  readyTimeoutMs?: number;
}

interface Watcher {
  deliver(notification: Notification): void;
  fail(error: RpcError): void;
}

/** One user's channel on this instance: subscribed once, however many streams watch it. */
interface UserChannel {
  watchers: Set<Watcher>;
  subscribed: Promise<unknown>;
}

const interrupted = () => unavailable('live notifications are unavailable; list notifications to catch up, then watch again');

const tooSlow = () =>
  new RpcError(Code.RESOURCE_EXHAUSTED, 'this watcher fell too far behind; list notifications to catch up, then watch again', {
    reason: 'WATCHER_TOO_SLOW',
  });

/**
 * Live notifications across instances over Redis pub/sub: the instance that
 * stores a notification publishes it on the user's channel, and every
 * instance with a watcher of that user hands it on. Pub/sub keeps nothing, so
 * this is best-effort by design: ListNotifications is the record. A watcher
 * therefore never outlives a lost connection silently, which could hide a
 * gap; its stream ends with UNAVAILABLE and the client lists, then watches again.
 */
export function createLiveFeed(publisher: Redis, { log, maxPending = 256, readyTimeoutMs = 1_000 }: LiveFeedOptions) {
  // A subscribing connection can run no other command: this one is the feed's
  // own, shared by all of this instance's watchers. Channels are not restored
  // after a reconnect: their watchers have already been ended.
  const subscriber = publisher.duplicate({ autoResubscribe: false });
  const channels = new Map<string, UserChannel>();
  let down = false;

  subscriber.on('error', (error) => {
    if (!down) log.warn({ err: error }, 'redis subscriber unavailable; watchers end with UNAVAILABLE');
    down = true;
  });
  subscriber.on('ready', () => {
    if (down) log.info('redis subscriber available again');
    down = false;
  });
  subscriber.on('close', () => {
    for (const channel of channels.values()) for (const watcher of channel.watchers) watcher.fail(interrupted());
    channels.clear();
  });
  subscriber.on('messageBuffer', (channelName: Buffer, message: Buffer) => {
    const name = channelName.toString();
    const channel = name.startsWith(CHANNEL_PREFIX) ? channels.get(name.slice(CHANNEL_PREFIX.length)) : undefined;
    if (!channel) return;
    let notification: Notification;
    try {
      notification = Notification.decode(message);
    } catch (error) {
      log.warn({ err: error, channel: name }, 'dropped a live notification that does not decode');
      return;
    }
    for (const watcher of channel.watchers) watcher.deliver(notification);
  });

  /** Resolves once the subscriber connection is up, or fails with UNAVAILABLE within `readyTimeoutMs`. */
  function ready(): Promise<void> {
    if (subscriber.status === 'ready') return Promise.resolve();
    if (subscriber.status === 'end') return Promise.reject(interrupted());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscriber.off('ready', up);
        reject(interrupted());
      }, readyTimeoutMs);
      const up = () => {
        clearTimeout(timer);
        resolve();
      };
      subscriber.once('ready', up);
    });
  }

  function join(userId: string, watcher: Watcher): UserChannel {
    let channel = channels.get(userId);
    if (!channel) {
      const created: UserChannel = { watchers: new Set(), subscribed: subscriber.subscribe(feedChannel(userId)) };
      // A failed SUBSCRIBE must not stay behind for the next watcher of this user to inherit.
      created.subscribed.catch(() => {
        if (channels.get(userId) === created) channels.delete(userId);
      });
      channels.set(userId, created);
      channel = created;
    }
    channel.watchers.add(watcher);
    return channel;
  }

  function leave(userId: string, channel: UserChannel, watcher: Watcher): void {
    channel.watchers.delete(watcher);
    if (channel.watchers.size > 0 || channels.get(userId) !== channel) return;
    channels.delete(userId);
    // Commands on one connection run in order: a SUBSCRIBE of a watcher arriving now follows this one.
    subscriber.unsubscribe(feedChannel(userId)).catch((error) => log.debug({ err: error, userId }, 'unsubscribe failed'));
  }

  return {
    /**
     * Offers a stored notification to its user's watchers on every instance.
     * Called after the notification committed; a failure only costs the live
     * copy, so it is logged, not thrown.
     */
    async publish(notification: Notification): Promise<void> {
      try {
        await publisher.publish(feedChannel(notification.userId), Buffer.from(Notification.encode(notification).finish()));
      } catch (error) {
        log.warn({ err: error, notificationId: notification.id }, 'live notification not published; ListNotifications has it');
      }
    },

    /**
     * The user's notifications published from now on, until `signal` aborts
     * (the iteration then simply ends). Throws UNAVAILABLE when Redis cannot be
     * reached or the connection drops, RESOURCE_EXHAUSTED when the reader
     * leaves `maxPending` unread. Leaving the iteration, however it ends,
     * removes the watcher and unsubscribes with the user's last one.
     */
    async *watch(userId: string, signal: AbortSignal): AsyncGenerator<Notification, void, undefined> {
      if (signal.aborted) return;
      await ready();
      const pending: Notification[] = [];
      let failure: RpcError | undefined;
      let wake: (() => void) | undefined;
      const wakeUp = () => {
        const resolve = wake;
        wake = undefined;
        resolve?.();
      };
      const watcher: Watcher = {
        deliver(notification) {
          if (failure) return;
          if (pending.length >= maxPending) failure = tooSlow();
          else pending.push(notification);
          wakeUp();
        },
        fail(error) {
          failure ??= error;
          wakeUp();
        },
      };
      const channel = join(userId, watcher);
      signal.addEventListener('abort', wakeUp);
      try {
        try {
          await channel.subscribed;
        } catch (error) {
          log.warn({ err: error, userId }, 'subscribing to live notifications failed');
          throw interrupted();
        }
        for (;;) {
          if (signal.aborted) return;
          const next = pending.shift();
          if (next) {
            yield next;
            continue;
          }
          if (failure) throw failure;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        signal.removeEventListener('abort', wakeUp);
        leave(userId, channel, watcher);
      }
    },

    /** Users with a watcher on this instance. */
    watchedUsers(): number {
      return channels.size;
    },

    async close(): Promise<void> {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}

export type LiveFeed = ReturnType<typeof createLiveFeed>;
