import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from './logger';
import { watchPool } from './db-pool-metrics';

/**
 * knex (with its lodash functions, ~320 modules) loads with the first database a
 * service opens, not with this module: the registry has no database and keeps
 * it out of memory (docs/benchmarks.md, memory).
 */
const knex = (config: Knex.Config): Knex => (require('knex') as typeof import('knex')).knex(config);

export type Db = Knex;

export interface DbOptions {
  /** mysql://user:password@host:port — without a database: each service names its own. */
  url: string;
  /** The service's own schema (database). Nothing else reads or writes it. */
  database: string;
  poolMax: number;
  /** Folder of the service's knex migrations (*.ts), run at start-up. */
  migrationsDir: string;
  /** Where knex's own messages go; without it knex writes to the console. */
  log?: Logger;
}

/**
 * knex's messages through the service's logger. Its warnings repeat for every
 * failed connection attempt while the database is down ("Acquire connection
 * error"), which the callers already report once, so they are debug here.
 */
const knexLog = (log: Logger): Knex.Logger => ({
  warn: (message) => log.debug({ component: 'knex' }, String(message)),
  error: (message) => log.warn({ component: 'knex' }, String(message)),
  debug: (message) => log.trace({ component: 'knex' }, String(message)),
  deprecate: (method, alternative) => log.debug({ component: 'knex' }, `${method} is deprecated; use ${alternative}`),
});

/** Connection settings from a mysql:// URL (and a schema, or none for server-wide work); also for tools and tests. */
export function connectionFor(url: string, database?: string): Knex.MySql2ConnectionConfig {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database,
    // DATETIME(3) in UTC both ways, whatever the server's time zone.
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    connectTimeout: 5_000,
  };
}

/**
 * `.ts` when this code runs as TypeScript (tsx: npm start, tests), `.js` when it runs
 * compiled (npm run build, the images): migrations are modules of the same kind as the
 * code that loads them, so the same folder rule finds them in both trees.
 */
export const MODULE_EXTENSION = extname(__filename);

/** The migration modules of a folder, in the order they run. */
export function migrationFiles(dir: string, extension: string = MODULE_EXTENSION): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d/.test(f) && f.endsWith(extension) && !f.endsWith(`.d${extension}`))
    .sort();
}

/**
 * Migrations are plain modules listed from the service's folder, loaded with
 * the running loader, so knex needs no compile step of its own.
 */
function folderMigrations(dir: string): Knex.MigrationSource<string> {
  return {
    getMigrations: async () => migrationFiles(dir),
    getMigrationName: (name) => name,
    getMigration: async (name) => require(join(dir, name)) as Knex.Migration,
  };
}

/**
 * A knex pool on the service's own schema: creates the schema when it is
 * missing (development; in production the schema and its user come from the
 * database's init script) and runs the service's migrations.
 */
export async function openDatabase(options: DbOptions): Promise<Db> {
  if (!/^[a-z][a-z0-9_]*$/.test(options.database)) throw new Error(`invalid database name ${options.database}`);
  const admin = knex({ client: 'mysql2', connection: connectionFor(options.url), pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE IF NOT EXISTS \`${options.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } catch (error) {
    // Least-privilege users cannot create databases; the schema then must exist already.
    if ((error as { code?: string }).code !== 'ER_DBACCESS_DENIED_ERROR') throw error;
  } finally {
    await admin.destroy();
  }
  const db = knex({
    client: 'mysql2',
    connection: connectionFor(options.url, options.database),
    pool: { min: 0, max: options.poolMax },
    acquireConnectionTimeout: 5_000,
    ...(options.log ? { log: knexLog(options.log) } : {}),
  });
  await db.migrate.latest({ migrationSource: folderMigrations(options.migrationsDir), tableName: 'knex_migrations' });
  watchPool(options.database, () => {
    // knex's pool (tarn); gone once the database is destroyed.
    const pool = db.client.pool as { numUsed(): number; numFree(): number; numPendingAcquires(): number } | undefined;
    return pool && { used: pool.numUsed(), idle: pool.numFree(), pending: pool.numPendingAcquires(), max: options.poolMax };
  });
  return db;
}

/** True for MySQL/MariaDB duplicate-key errors (unique constraints doing their job). */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: string })?.code === 'ER_DUP_ENTRY';
}
