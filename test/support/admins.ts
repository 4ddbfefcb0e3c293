import knex from 'knex';
import { createRoleChanges } from '../../services/users/src/store/role-changes';

/**
 * Makes an existing account admin in a users database, as `npm run admin --
 * grant` does (registration never does), with an audit row naming the test.
 */
export async function grantAdmin(database: string, email: string, actor: string): Promise<void> {
  const url = new URL(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
  const db = knex({
    client: 'mysql2',
    connection: {
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      database,
    },
    pool: { min: 0, max: 1 },
  });
  try {
    const changed = await createRoleChanges(db).change({ email, role: 'admin', actor, reason: 'test fixture' });
    if (!changed) throw new Error(`no account ${email} in ${database}`);
  } finally {
    await db.destroy();
  }
}
