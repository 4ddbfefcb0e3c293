/**
 * Re-encrypts phone numbers and addresses under the active PII key after a rotation
 * (docs/security.md), so that an old key can leave PII_ENCRYPTION_KEYS. Prints one JSON
 * line with the count; never a value.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import { openDatabase } from '../platform/db';
import { helpRequested, parseCount, runCli } from './lib/cli';
import { usersConfig } from '../services/users/src/config';
import { createPiiCipher, piiKeyring } from '../services/users/src/domain/pii-cipher';
import { reencryptPii } from '../services/users/src/store/pii-reencryption';

const HELP = `usage: npm run pii:reencrypt -- [options]

Rewrites every phone and address that is not under the active PII key (the first of
PII_ENCRYPTION_KEYS, or PII_ENCRYPTION_KEY when the list is empty), legacy v1 values
included. Safe while the users service runs, and safe to run again.

options:
  --batch <n>   rows read per batch (default 500)
  -h, --help    this text

Reads the users service's settings: MYSQL_URL, USERS_DB_NAME, PII_ENCRYPTION_KEY and
PII_ENCRYPTION_KEYS, exactly as the service does.
`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { batch: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (helpRequested(values, HELP)) return 0;
  const batch = values.batch === undefined ? 500 : parseCount(values.batch, '--batch');
  const config = loadConfig(usersConfig);
  const pii = createPiiCipher(piiKeyring(config.PII_ENCRYPTION_KEY, config.PII_ENCRYPTION_KEYS));
  const db = await openDatabase({
    url: config.MYSQL_URL,
    database: config.USERS_DB_NAME,
    poolMax: 1,
    migrationsDir: join(__dirname, '..', 'services', 'users', 'migrations'),
  });
  try {
    const rewritten = await reencryptPii(db, pii, batch);
    process.stdout.write(`${JSON.stringify({ activeKeyId: pii.activeKeyId, rewritten })}\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}

// runCli masks a database error's literals (ciphertexts) before printing it.
runCli('pii:reencrypt', HELP, main);
