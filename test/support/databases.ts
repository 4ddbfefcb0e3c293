import knex from 'knex';

/** Drops the test databases a suite created. */
export async function dropDatabases(url: string, names: string[]): Promise<void> {
  const parsed = new URL(url);
  const admin = knex({
    client: 'mysql2',
    connection: { host: parsed.hostname, port: Number(parsed.port || 3306), user: parsed.username || 'root', password: parsed.password },
    pool: { min: 0, max: 1 },
  });
  try {
    for (const name of names) await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await admin.destroy();
  }
}
