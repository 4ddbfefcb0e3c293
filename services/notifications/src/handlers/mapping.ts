import type { Notification } from '../../../../gen/ts/shop/notifications/v1/notifications';
import type { NotificationRow } from '../store/notifications-store';

export function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    userId: row.user_id,
    eventId: row.event_id,
    eventType: row.event_type,
    title: row.title,
    body: row.body,
    createdAt: row.created_at,
  };
}
