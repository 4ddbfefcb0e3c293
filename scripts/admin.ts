/**
 * Grants and revokes the admin role: the only way to make an admin, run by an
 * operator against the users database (registration always makes customers).
 * Every change is written to the `role_changes` audit table with the actor
 * and reason, in the same transaction, and printed as one JSON line.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import { openDatabase } from '../platform/db';
import { CliError, helpRequested, runCli, UsageError } from './lib/cli';
import { usersConfig } from '../services/users/src/config';
import { normalizeEmail } from '../services/users/src/domain/account-rules';
import { createRoleChanges } from '../services/users/src/store/role-changes';

const HELP = `usage: npm run admin -- <command> [options]

commands:
  grant <email>     make the account with this email an admin
  revoke <email>    make it a customer again
  list              print the admins

options:
  --reason <text>   why (kept in the audit trail; required for grant and revoke)
  --actor <name>    who is asking (default: the operating-system user)
  -h, --help        this text

The account must exist (register it first). The database is the users
service's: MYSQL_URL and USERS_DB_NAME as the service reads them. Tokens
issued before a change keep their roles until they expire (TOKEN_TTL_SECONDS).
`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      actor: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, email] = positionals;
  if (helpRequested(values, HELP)) return 0;
  const changes = command === 'grant' || command === 'revoke';
  if (!(changes || command === 'list')) throw new UsageError(command ? `unknown command ${command}` : 'give a command: grant, revoke or list');
  if (changes && !email) throw new UsageError(`${command} needs the account's email`);
  if (changes && !values.reason?.trim()) throw new UsageError(`${command} needs --reason`);
  if (!changes && email) throw new UsageError('list takes no email');

  const config = loadConfig(usersConfig);
  const db = await openDatabase({
    url: config.MYSQL_URL,
    database: config.USERS_DB_NAME,
    poolMax: 1,
    migrationsDir: join(__dirname, '..', 'services', 'users', 'migrations'),
  });
  try {
    const roles = createRoleChanges(db);
    if (command === 'list') {
      for (const admin of await roles.holders('admin')) process.stdout.write(`${admin.email}\t${admin.id}\n`);
      return 0;
    }
    const actor = values.actor?.trim() || userInfo().username;
    const role = command === 'grant' ? 'admin' : 'customer';
    const result = await roles.change({ email: normalizeEmail(email), role, actor, reason: values.reason!.trim() });
    if (!result) throw new CliError(`no account with this email in ${config.USERS_DB_NAME}; register it first`);
    // The audit line names the account by id: the email is personal data.
    process.stdout.write(`${JSON.stringify({ audit: 'role_change', ...result, actor, at: new Date().toISOString() })}\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}

runCli('admin', HELP, main);
