import type { Db } from '../../../../platform/db';
import type { UserRow } from './users-store';

export type Role = UserRow['role'];

export interface RoleChange {
  email: string;
  role: Role;
  /** Who asked for it: an operator's name, as the audit trail will show it. */
  actor: string;
  reason: string;
}

export interface RoleChangeResult {
  userId: string;
  previousRole: Role;
  role: Role;
}

/**
 * The only way a role changes: registration always makes a customer, and an
 * operator grants or revokes admin through `npm run admin` (scripts/admin.ts),
 * which lands here. The change and its audit row commit together.
 */
export function createRoleChanges(db: Db) {
  return {
    /** Undefined when no account has this email. */
    async change({ email, role, actor, reason }: RoleChange): Promise<RoleChangeResult | undefined> {
      return db.transaction(async (trx) => {
        const user = await trx<UserRow>('users').where({ email }).forUpdate().first('id', 'role');
        if (!user) return undefined;
        const now = new Date();
        await trx('users').where({ id: user.id }).update({ role, updated_at: now });
        await trx('role_changes').insert({ user_id: user.id, role, previous_role: user.role, actor, reason, changed_at: now });
        return { userId: user.id, previousRole: user.role, role };
      });
    },

    /** Accounts holding `role`, for `npm run admin -- list`. */
    async holders(role: Role): Promise<{ id: string; email: string }[]> {
      return db<UserRow>('users').where({ role }).orderBy('email').select('id', 'email');
    },
  };
}
