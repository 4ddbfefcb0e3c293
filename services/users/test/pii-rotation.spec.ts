import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import type { CallOptions } from '../../../platform/client';
import { dropDatabases } from '../../../test/support/databases';
import { testConfig, testDatabase } from '../../../test/support/service-config';
import { startServiceUnderTest, type ServiceUnderTest } from '../../../test/support/service-under-test';
import { usersConfig, type UsersConfig } from '../src/config';
import { usersService } from '../src/service';

const key = () => randomBytes(32).toString('base64');

/** `npm run pii:reencrypt` against this suite's database, with these keys. */
function reencrypt(config: UsersConfig) {
  const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, '..', '..', '..', 'scripts', 'reencrypt-pii.ts')], {
    env: {
      ...process.env,
      MYSQL_URL: config.MYSQL_URL,
      USERS_DB_NAME: config.USERS_DB_NAME,
      PII_ENCRYPTION_KEY: config.PII_ENCRYPTION_KEY,
      PII_ENCRYPTION_KEYS: config.PII_ENCRYPTION_KEYS,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('users: rotating the PII key (real MariaDB)', function () {
  this.timeout(60_000);
  const legacyKey = key();
  const newKey = key();
  const database = testDatabase('users_pii');
  const configs = {
    legacy: testConfig(usersConfig, { USERS_DB_NAME: database, PII_ENCRYPTION_KEY: legacyKey }),
    rotated: testConfig(usersConfig, { USERS_DB_NAME: database, PII_ENCRYPTION_KEY: legacyKey, PII_ENCRYPTION_KEYS: `k2=${newKey}` }),
    // After re-encryption the legacy key may go: PII_ENCRYPTION_KEY set to an unrelated key.
    retired: testConfig(usersConfig, { USERS_DB_NAME: database, PII_ENCRYPTION_KEY: key(), PII_ENCRYPTION_KEYS: `k2=${newKey}` }),
  };
  let db: Knex;
  let userId: string;
  let auth: CallOptions;
  const password = 'correct horse battery';
  const email = `rotate-${randomUUID().slice(0, 8)}@example.com`;

  /** Starts users with a config, runs `body` with a client, stops it. */
  async function withUsers(config: UsersConfig, body: (client: ServiceUnderTest<typeof usersService>['client']) => Promise<void>) {
    const users = await startServiceUnderTest(usersService, {
      overrides: { USERS_DB_NAME: database, PII_ENCRYPTION_KEY: config.PII_ENCRYPTION_KEY, PII_ENCRYPTION_KEYS: config.PII_ENCRYPTION_KEYS },
    });
    try {
      await body(users.client);
    } finally {
      await users.stop();
    }
  }
  const row = async () => db('users').where({ id: userId }).first('phone_enc', 'address_enc');

  before(async () => {
    await withUsers(configs.legacy, async (client) => {
      const { user } = await client.register({ email, password, displayName: 'Rota', phone: '+34 600 333 444', address: 'Calle Sol 3' });
      userId = user!.id;
      const { accessToken } = await client.login({ email, password });
      auth = { metadata: { authorization: `Bearer ${accessToken}` } };
    });
    db = knex({ client: 'mysql2', connection: `${configs.legacy.MYSQL_URL}/${database}` });
    // Rows written before key ids were `v1:<body>`: the same body, no id.
    const { phone_enc, address_enc } = await row();
    await db('users')
      .where({ id: userId })
      .update({ phone_enc: phone_enc.replace(/^v2:legacy:/, 'v1:'), address_enc: address_enc.replace(/^v2:legacy:/, 'v1:') });
  });
  after(async () => {
    await db?.destroy();
    await dropDatabases(configs.legacy.MYSQL_URL, [database]);
  });

  it('reads legacy v1 rows with a new active key, and writes what changes under that key', async () => {
    assert.match((await row()).phone_enc, /^v1:/);
    await withUsers(configs.rotated, async (client) => {
      const { profile } = await client.getProfile({}, auth);
      assert.equal(profile!.phone, '+34 600 333 444');
      assert.equal(profile!.address, 'Calle Sol 3');
      await client.updateProfile({ phone: '+34 600 555 666' }, auth);
    });
    const stored = await row();
    assert.match(stored.phone_enc, /^v2:k2:/);
    assert.match(stored.address_enc, /^v1:/, 'only written values move to the new key; the rest waits for re-encryption');
  });

  it('npm run pii:reencrypt moves every remaining value to the active key, then the old key can go', async () => {
    const help = spawnSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, '..', '..', '..', 'scripts', 'reencrypt-pii.ts'), '--help'], {
      encoding: 'utf8',
    });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /usage: npm run pii:reencrypt/);

    const run = reencrypt(configs.rotated);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { activeKeyId: 'k2', rewritten: 1 });
    assert.ok(!run.stdout.includes('Sol') && !run.stderr.includes('Sol'));
    const stored = await row();
    assert.match(stored.phone_enc, /^v2:k2:/);
    assert.match(stored.address_enc, /^v2:k2:/);
    assert.deepEqual(JSON.parse(reencrypt(configs.rotated).stdout).rewritten, 0, 'a second run has nothing to do');

    await withUsers(configs.retired, async (client) => {
      const { profile } = await client.getProfile({}, auth);
      assert.equal(profile!.phone, '+34 600 555 666');
      assert.equal(profile!.address, 'Calle Sol 3');
    });
  });
});
