import { randomUUID } from 'node:crypto';
import type { EventPayload } from '../../../../platform/events/catalog';
import { PermanentEventError, type EventHandler, type Subscriptions } from '../../../../platform/events/consumer';
import type { Logger } from '../../../../platform/logger';
import { counter } from '../../../../platform/metrics';
import { notificationContent, orderConfirmedLine, unaddressable, type NotifiedEvent } from '../domain/notification-content';
import type { LiveFeed } from '../store/live-feed';
import type { NotificationsStore } from '../store/notifications-store';
import { toNotification } from './mapping';

const sent = counter('notifications_sent_total', 'Notifications stored and offered to live watchers, by the event that caused them.', ['event_type']);

export interface BusinessEventDeps {
  store: NotificationsStore;
  feed: Pick<LiveFeed, 'publish'>;
  log: Logger;
}

/**
 * One notification per business event. The row is written in the transaction
 * that claims the event, so a redelivery finds the claim and writes nothing;
 * what others may see (the live copy, the counter, the log line) happens only
 * once that transaction has committed.
 */
export function businessEventHandlers({ store, feed, log }: BusinessEventDeps): Subscriptions {
  function notify<N extends NotifiedEvent>(name: N, announce?: (event: EventPayload<N>) => void): EventHandler<EventPayload<N>> {
    return async (event, envelope, trx) => {
      const content = notificationContent[name](event);
      const problem = unaddressable(content);
      if (problem) throw new PermanentEventError(`${envelope.type} ${envelope.id}: ${problem}`);
      const row = {
        id: randomUUID(),
        user_id: content.userId,
        event_id: envelope.id,
        event_type: envelope.type,
        title: content.title,
        body: content.body,
        // When the user was notified, so the feed's order is the order the live stream showed.
        created_at: new Date(),
      };
      if (!(await store.insert(trx, row))) return;
      trx.executionPromise
        .then(
          async () => {
            sent.inc({ event_type: envelope.type });
            announce?.(event);
            await feed.publish(toNotification(row));
          },
          () => undefined,
        )
        .catch((error) => log.error({ err: error, eventId: envelope.id }, 'after-commit work of a notification failed'));
    };
  }

  return {
    UserRegistered: notify('UserRegistered'),
    OrderCreated: notify('OrderCreated', (event) => log.info({ orderId: event.orderId }, orderConfirmedLine(event.orderId, event.userDisplayName))),
    OrderPaid: notify('OrderPaid'),
    PaymentFailed: notify('PaymentFailed'),
    OrderCancelled: notify('OrderCancelled'),
    PaymentRefunded: notify('PaymentRefunded'),
  };
}
