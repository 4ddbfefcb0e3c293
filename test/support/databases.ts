import knex from 'knex';
import { connectionFor } from '../../platform/db';

/** Drops the test databases a suite created. */
export async function dropDatabases(url: string, names: string[]): Promise<void> {
  const admin = knex({ client: 'mysql2', connection: connectionFor(url), pool: { min: 0, max: 1 } });
  try {
    for (const name of names) await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await admin.destroy();
  }
}
