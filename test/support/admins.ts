import knex from 'knex';
import { connectionFor } from '../../platform/db';
import { createRoleChanges } from '../../services/users/src/store/role-changes';

/**
 * Makes an existing account admin in a users database, as `npm run admin --
 * grant` does (registration never does), with an audit row naming the test.
 */
export async function grantAdmin(database: string, email: string, actor: string): Promise<void> {
  const url = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
  const db = knex({ client: 'mysql2', connection: connectionFor(url, database), pool: { min: 0, max: 1 } });
  try {
    const changed = await createRoleChanges(db).change({ email, role: 'admin', actor, reason: 'test fixture' });
    if (!changed) throw new Error(`no account ${email} in ${database}`);
  } finally {
    await db.destroy();
  }
}
