import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import knex from 'knex';
import { Kafka, logLevel } from 'kafkajs';
import type { CallOptions } from '../../../platform/client';
import { Code } from '../../../platform/errors';
import { Events } from '../../../platform/events/catalog';
import { fromHeaders } from '../../../platform/events/envelope';
import { Role } from '../../../gen/ts/shop/users/v1/users';
import { UserRegistered } from '../../../gen/ts/shop/users/v1/events';
import { until } from '../../../test/support/poll';
import { startServiceUnderTest, type ServiceUnderTest } from '../../../test/support/service-under-test';
import type { UsersConfig } from '../src/config';
import { usersService } from '../src/service';
import { rpcErrorOf } from '../../../test/support/rpc-error';

/** `npm run admin -- <args>` against this suite's database. */
function adminCli(args: string[]) {
  const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, '..', '..', '..', 'scripts', 'admin.ts'), ...args], {
    env: { ...process.env, USERS_DB_NAME: config.USERS_DB_NAME, MYSQL_URL: config.MYSQL_URL },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let config: UsersConfig;

describe('users: accounts, tokens and profiles', function () {
  this.timeout(30_000);
  let users: ServiceUnderTest<typeof usersService>;
  let client: ServiceUnderTest<typeof usersService>['client'];
  const email = `ada-${randomUUID().slice(0, 8)}@Example.com`;
  const password = 'correct horse battery';
  let auth: CallOptions;
  let userId: string;

  before(async () => {
    users = await startServiceUnderTest(usersService);
    ({ config, client } = users);
    const { user } = await client.register({ email, password, displayName: ' Ada ', phone: '+34 600 111 222', address: 'Calle Mayor 1' });
    userId = user!.id;
    const { accessToken } = await client.login({ email: email.toLowerCase(), password });
    auth = { metadata: { authorization: `Bearer ${accessToken}` } };
  });
  after(async () => users?.stop());

  it('keeps phone and address encrypted at rest and the password only as a scrypt hash', async () => {
    const db = knex({ client: 'mysql2', connection: { host: '127.0.0.1', user: 'root', database: config.USERS_DB_NAME } });
    const row = await db('users').where({ id: userId }).first();
    await db.destroy();
    assert.equal(row.email, email.toLowerCase());
    assert.match(row.phone_enc, /^v2:legacy:/);
    assert.ok(!row.phone_enc.includes('600') && !row.address_enc.includes('Mayor'));
    assert.match(row.password_hash, /^scrypt\$/);
    assert.ok(!row.password_hash.includes(password));
  });

  it('shows the owner their profile, PII included', async () => {
    const { profile } = await client.getProfile({}, auth);
    assert.equal(profile!.user!.displayName, 'Ada');
    assert.equal(profile!.phone, '+34 600 111 222');
    assert.equal(profile!.address, 'Calle Mayor 1');
  });

  it('keeps fields an update leaves unset, and clears one set to empty', async () => {
    const { profile } = await client.updateProfile({ displayName: 'Ada L.', address: '' }, auth);
    assert.equal(profile!.user!.displayName, 'Ada L.');
    assert.equal(profile!.phone, '+34 600 111 222');
    assert.equal(profile!.address, '');
  });

  it('tells others only public facts', async () => {
    const { user } = await client.getUser({ userId: userId.toUpperCase() }, auth);
    assert.deepEqual(Object.keys(user!).sort(), ['createdAt', 'displayName', 'id', 'role']);
    assert.equal(user!.role, Role.ROLE_CUSTOMER);
    assert.equal((await rpcErrorOf(client.getUser({ userId: randomUUID() }, auth))).code, Code.NOT_FOUND);
    assert.equal((await rpcErrorOf(client.getUser({ userId: 'not-an-id' }, auth))).code, Code.INVALID_ARGUMENT);
  });

  it('refuses a second account for the same email, whatever its case', async () => {
    const error = await rpcErrorOf(client.register({ email: email.toUpperCase(), password, displayName: 'Twin', phone: '', address: '' }));
    assert.equal(error.code, Code.ALREADY_EXISTS);
    assert.equal(error.details.reason, 'EMAIL_TAKEN');
  });

  it('answers a wrong password and an unknown email alike', async () => {
    const wrong = await rpcErrorOf(client.login({ email, password: 'wrong password' }));
    const unknown = await rpcErrorOf(client.login({ email: 'nobody@example.com', password }));
    assert.equal(wrong.code, Code.UNAUTHENTICATED);
    assert.equal(unknown.message, wrong.message);
  });

  it('refuses profiles without a valid token', async () => {
    assert.equal((await rpcErrorOf(client.getProfile({}))).code, Code.UNAUTHENTICATED);
    const forged = { metadata: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' } };
    assert.equal((await rpcErrorOf(client.getProfile({}, forged))).code, Code.UNAUTHENTICATED);
  });

  it('never makes an admin by registration, whatever the email', async () => {
    const { user } = await client.register({
      email: `Admin+${randomUUID().slice(0, 8)}@shopmesh.local`,
      password,
      displayName: 'Admin',
      phone: '',
      address: '',
    });
    assert.equal(user!.role, Role.ROLE_CUSTOMER);
    const { user: registered } = await client.register({ email: 'admin@shopmesh.local', password, displayName: 'Admin', phone: '', address: '' });
    assert.equal(registered!.role, Role.ROLE_CUSTOMER);
  });

  it('makes an admin only through `npm run admin -- grant`, with an audit row, and takes it back with revoke', async () => {
    const boss = `boss-${randomUUID().slice(0, 8)}@example.com`;
    const { user } = await client.register({ email: boss, password, displayName: 'Boss', phone: '', address: '' });
    const granted = adminCli(['grant', boss.toUpperCase(), '--reason', 'runs the shop', '--actor', 'ops-alice']);
    assert.equal(granted.status, 0, granted.stderr);
    assert.deepEqual(JSON.parse(granted.stdout), {
      ...JSON.parse(granted.stdout),
      audit: 'role_change',
      userId: user!.id,
      previousRole: 'customer',
      role: 'admin',
      actor: 'ops-alice',
    });
    assert.ok(!granted.stdout.includes(boss), 'the audit line names the account by id, not by email');
    assert.equal((await client.login({ email: boss, password })).user!.role, Role.ROLE_ADMIN);
    assert.match(adminCli(['list']).stdout, new RegExp(boss));

    assert.equal(adminCli(['revoke', boss, '--reason', 'left the company', '--actor', 'ops-bob']).status, 0);
    assert.equal((await client.login({ email: boss, password })).user!.role, Role.ROLE_CUSTOMER);
    const db = knex({ client: 'mysql2', connection: { host: '127.0.0.1', user: 'root', database: config.USERS_DB_NAME } });
    const audit = await db('role_changes').where({ user_id: user!.id }).orderBy('id');
    await db.destroy();
    assert.deepEqual(
      audit.map((r) => [r.previous_role, r.role, r.actor, r.reason]),
      [
        ['customer', 'admin', 'ops-alice', 'runs the shop'],
        ['admin', 'customer', 'ops-bob', 'left the company'],
      ],
    );
  });

  it('explains the admin command, and refuses an unknown account or a change without a reason', () => {
    const help = adminCli(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /grant <email>/);
    assert.equal(adminCli(['grant', 'nobody@example.com', '--reason', 'x']).status, 1);
    assert.equal(adminCli(['grant', email]).status, 2, 'a reason is required');
  });

  it('publishes UserRegistered through the outbox, with no PII on the bus', async () => {
    const kafka = new Kafka({ clientId: 'users-test', brokers: config.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `users-test-${randomUUID()}` });
    const seen: { id: string; payload: UserRegistered }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: config.KAFKA_TOPIC_PREFIX + Events.UserRegistered.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void seen.push({ id: fromHeaders(message.headers)!.type, payload: UserRegistered.decode(message.value!) }),
    });
    try {
      const event = await until('UserRegistered for the new user', () => seen.find((e) => e.payload.userId === userId), { timeoutMs: 20_000 });
      assert.equal(event.id, 'shop.users.v1.UserRegistered');
      assert.equal(event.payload.displayName, 'Ada');
      assert.ok(!JSON.stringify(UserRegistered.toJSON(event.payload)).includes('600'));
    } finally {
      await consumer.disconnect();
    }
  });
});
