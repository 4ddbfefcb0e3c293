import type { Db } from '../../../../platform/db';
import { unlessDuplicate } from '../../../../platform/insert-if-absent';
import { Code, RpcError } from '../../../../platform/errors';
import type { Outbox } from '../../../../platform/events/outbox';

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  display_name: string;
  phone_enc: string | null;
  address_enc: string | null;
  role: 'customer' | 'admin';
  created_at: Date;
  updated_at: Date;
}

export function createUsersStore(db: Db, outbox: Outbox) {
  return {
    /** Inserts the user and its UserRegistered event in one transaction. */
    async insert(row: UserRow): Promise<void> {
      const inserted = await unlessDuplicate(() =>
        db.transaction(async (trx) => {
          await trx('users').insert(row);
          await outbox.add(trx, 'UserRegistered', row.id, {
            userId: row.id,
            displayName: row.display_name,
            registeredAt: row.created_at,
          });
          return true;
        }),
      );
      // The email is not repeated in the error: messages reach logs and span statuses.
      if (!inserted) throw new RpcError(Code.ALREADY_EXISTS, 'an account with this email already exists', { reason: 'EMAIL_TAKEN' });
    },

    async byId(id: string): Promise<UserRow | undefined> {
      return db<UserRow>('users').where({ id }).first();
    },

    async byEmail(email: string): Promise<UserRow | undefined> {
      return db<UserRow>('users').where({ email }).first();
    },

    async update(id: string, changes: Partial<Pick<UserRow, 'display_name' | 'phone_enc' | 'address_enc'>>): Promise<void> {
      await db('users')
        .where({ id })
        .update({ ...changes, updated_at: new Date() });
    },
  };
}

export type UsersStore = ReturnType<typeof createUsersStore>;
