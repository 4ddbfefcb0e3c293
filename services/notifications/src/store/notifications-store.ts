import type { Knex } from 'knex';
import type { Db } from '../../../../platform/db';
import { isDuplicateKey } from '../../../../platform/db';
import type { FeedPosition } from '../domain/feed-position';

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

export function createNotificationsStore(db: Db) {
  return {
    /**
     * Writes in the consumer's transaction, the one that claims the event.
     * False when the event already has its notification (the unique event_id
     * decides, even across consumer groups sharing this schema).
     */
    async insert(trx: Knex.Transaction, row: NotificationRow): Promise<boolean> {
      try {
        await trx(TABLE).insert(row);
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },

    /** Newest first; `after` is where the previous page ended. */
    async listByUser(userId: string, limit: number, after?: FeedPosition): Promise<NotificationRow[]> {
      const query = db<NotificationRow>(TABLE)
        .where({ user_id: userId })
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(limit);
      if (after) {
        query.andWhere((q) =>
          q.where('created_at', '<', after.createdAt).orWhere((same) => same.where('created_at', '=', after.createdAt).andWhere('id', '<', after.id)),
        );
      }
      return query;
    },
  };
}

export type NotificationsStore = ReturnType<typeof createNotificationsStore>;
