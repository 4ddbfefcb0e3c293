import type { Knex } from 'knex';
import type { Db } from '../../../../platform/db';
import { insertIfAbsent } from '../../../../platform/insert-if-absent';
import { keysetPaging, newestFirst, type PageRequest } from '../../../../platform/keyset-page';

export interface NotificationRow {
  id: string;
  user_id: string;
  event_id: string;
  event_type: string;
  title: string;
  body: string;
  created_at: Date;
}

const TABLE = 'notifications';

/** ListNotifications: a user's feed newest first, a keyset page at a time. */
export const feedPages = keysetPaging<NotificationRow>({ rpc: 'ListNotifications', orderBy: newestFirst(), keyOf: (row) => [row.created_at, row.id] });

export function createNotificationsStore(db: Db) {
  return {
    /**
     * Writes in the consumer's transaction, the one that claims the event.
     * False when the event already has its notification (the unique event_id
     * decides, even across consumer groups sharing this schema).
     */
    insert(trx: Knex.Transaction, row: NotificationRow): Promise<boolean> {
      return insertIfAbsent(trx, TABLE, row);
    },

    /** The user's notifications of `page` (see feedPages). */
    listByUser(userId: string, page: PageRequest): Promise<NotificationRow[]> {
      return feedPages.query(db<NotificationRow>(TABLE).where({ user_id: userId }), page);
    },
  };
}

export type NotificationsStore = ReturnType<typeof createNotificationsStore>;
