import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Tokens } from '../../../platform/auth';
import { type CallOptions, createClient, type TypedClient } from '../../../platform/client';
import { Code, RpcError } from '../../../platform/errors';
import { createLogger } from '../../../platform/logger';
import { registryCredentials } from '../../../platform/registration';
import { createRegistryResolver, type AddressResolver } from '../../../platform/resolver';
import { HealthStatus, RegistryServiceService, type Instance } from '../../../gen/ts/shop/registry/v1/registry';
import { UsersServiceService } from '../../../gen/ts/shop/users/v1/users';
import { usersService } from '../../users/src/service';
import { dropDatabases } from '../../../test/support/databases';
import { until } from '../../../test/support/poll';
import { testDatabase } from '../../../test/support/service-config';
import { startServiceUnderTest, type ServiceUnderTest } from '../../../test/support/service-under-test';
import { registryService } from '../src/service';

const root = join(__dirname, '..', '..', '..');
const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const USERS = 'shop.users.v1.UsersService';
const { HEALTH_STATUS_SERVING: SERVING, HEALTH_STATUS_UNREACHABLE: UNREACHABLE } = HealthStatus;
/** Short enough that expiry takes seconds: an instance silent for 3 s is gone. */
const HEARTBEAT_SECONDS = 1;

type RegistryClient = TypedClient<typeof RegistryServiceService>;

/**
 * The registry with two real users instances: one in this process, one a
 * child process (`node services/users/src/main.ts`, as a user starts it) that
 * the tests SIGKILL to crash it for real, so nothing deregisters it.
 */
describe('registry: service instances, health, methods, stats and resolution', function () {
  this.timeout(60_000);

  const prefix = `test-registry-${Date.now().toString(36)}:`;
  const database = testDatabase('users');
  const log = createLogger('registry-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  let registry: ServiceUnderTest<typeof registryService>;
  let inProcess: ServiceUnderTest<typeof usersService>;
  let child: ChildProcess | undefined;
  let childOutput = '';
  let client: RegistryClient;
  let users: TypedClient<typeof UsersServiceService> | undefined;
  let resolver: AddressResolver | undefined;
  let tokens: Tokens;
  /** Instance details are for admins and services (issue 13). */
  let asAdmin: CallOptions;

  /** A users instance in this process on the suite's database, registered with the registry (the suite drops the database). */
  const startInProcessUsers = async () => startServiceUnderTest(usersService, { overrides: { USERS_DB_NAME: database, REGISTRY_ADDRESSES: registry.address } });
  const usersInstances = async () => (await client.getService({ name: 'users' }, asAdmin)).service!.instances;
  const byId = (instances: Instance[], id: string) => instances.find((i) => i.id === id);

  before(async () => {
    registry = await startServiceUnderTest(registryService, {
      overrides: {
        REGISTRY_KEY_PREFIX: prefix,
        REGISTRY_HEARTBEAT_INTERVAL_SECONDS: String(HEARTBEAT_SECONDS),
        REGISTRY_PROBE_TIMEOUT_MS: '500',
        // Stats are compared call by call here: no scrape may be reused.
        REGISTRY_PROBE_CACHE_MS: '0',
      },
    });
    ({ client, tokens, asAdmin } = registry);
    inProcess = await startInProcessUsers();
    child = spawn(process.execPath, ['--require', 'tsx/cjs', 'services/users/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        GRPC_PORT: '0',
        METRICS_PORT: '0',
        USERS_DB_NAME: database,
        REGISTRY_ADDRESSES: registry.address,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        SHUTDOWN_GRACE_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (childOutput += chunk));
    child.stderr!.on('data', (chunk) => (childOutput += chunk));
    await until('both users instances registered', async () => (await usersInstances().catch(() => [])).length === 2, {
      timeoutMs: 30_000,
      intervalMs: 200,
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\nchild output:\n${childOutput.slice(-3000)}`);
    });
  });

  after(async () => {
    resolver?.close();
    users?.close();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await inProcess?.stop();
    await registry?.stop();
    await dropDatabases(MYSQL_URL, [database]);
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  const childInstance = async () => (await usersInstances()).find((i) => i.id !== inProcess.service.registration!.instanceId)!;

  it('lists both instances of a service, serving, with the methods their reflection reports', async () => {
    const instances = await usersInstances();
    assert.equal(instances.length, 2);
    assert.equal(new Set(instances.map((i) => i.address)).size, 2, 'two addresses');
    assert.ok(byId(instances, inProcess.service.registration!.instanceId), 'the in-process instance is listed under the id it chose');
    for (const instance of instances) {
      assert.equal(instance.serviceName, 'users');
      assert.equal(instance.health, SERVING, `${instance.address} is SERVING`);
      assert.equal(instance.version, '0.1.0');
      for (const method of ['Register', 'Login', 'GetProfile', 'SuggestNames'])
        assert.ok(instance.methods.includes(`${USERS}/${method}`), `${method} in ${instance.methods}`);
      assert.ok(
        instance.methods.every((m) => m.startsWith(`${USERS}/`)),
        'only its own contract, not health or reflection',
      );
      assert.ok(Number(instance.uptimeSeconds) >= 0);
      assert.ok(instance.startedAt && instance.lastHeartbeatAt);
      assert.ok(instance.metricsPort > 0);
    }
    const listed = await client.listServices({}, asAdmin);
    assert.deepEqual(
      listed.services.map((s) => s.name),
      ['users'],
    );
  });

  it('answers NOT_FOUND for a service with no instances, INVALID_ARGUMENT for a malformed name', async () => {
    await assert.rejects(client.getService({ name: 'nobody' }, asAdmin), (error: RpcError) => error.code === Code.NOT_FOUND);
    await assert.rejects(client.getService({ name: 'Not A Name' }, asAdmin), (error: RpcError) => error.code === Code.INVALID_ARGUMENT);
  });

  it("counts calls and errors per method from the instances' own metrics", async () => {
    const statsOf = async (method: string) => {
      const found = (await client.getStats({}, asAdmin)).methods.find((m) => m.serviceName === 'users' && m.method === `${USERS}/${method}`);
      return { calls: Number(found?.calls ?? 0), errors: Number(found?.errors ?? 0) };
    };
    const before = { suggest: await statsOf('SuggestNames'), register: await statsOf('Register') };
    const both = createClient(UsersServiceService, { addresses: (await usersInstances()).map((i) => i.address), deadlineMs: 5_000 });
    try {
      for (let i = 0; i < 10; i += 1) await both.suggestNames({ count: 2 });
      await assert.rejects(
        both.register({ email: 'not-an-email', password: 'x', displayName: '', phone: '', address: '' }),
        (error: RpcError) => error.code === Code.INVALID_ARGUMENT,
      );
    } finally {
      both.close();
    }
    const after = { suggest: await statsOf('SuggestNames'), register: await statsOf('Register') };
    assert.deepEqual({ calls: after.suggest.calls - before.suggest.calls, errors: after.suggest.errors - before.suggest.errors }, { calls: 10, errors: 0 });
    assert.deepEqual({ calls: after.register.calls - before.register.calls, errors: after.register.errors - before.register.errors }, { calls: 1, errors: 1 });
  });

  it('checks the health of every service at once', async () => {
    const { services } = await client.checkAll({});
    assert.deepEqual(services, [{ name: 'users', status: SERVING, healthyInstances: 2, totalInstances: 2 }]);
  });

  it('takes registrations only from services: a service token, valid fields', async () => {
    const asUser = { metadata: { authorization: `Bearer ${(await tokens.issue({ userId: 'u-1', roles: ['customer'] })).token}` } };
    const asService = await registryCredentials(tokens, 'users')();
    const instance = { ...(await childInstance()), id: '', address: '127.0.0.1:1', grpcPort: 1 };
    await assert.rejects(client.register({ instance }), (error: RpcError) => error.code === Code.UNAUTHENTICATED);
    await assert.rejects(client.register({ instance }, asUser), (error: RpcError) => error.code === Code.PERMISSION_DENIED);
    await assert.rejects(
      client.heartbeat({ instanceId: inProcess.service.registration!.instanceId }, asUser),
      (error: RpcError) => error.code === Code.PERMISSION_DENIED,
    );
    await assert.rejects(client.register({ instance: { ...instance, address: 'evil host:1', serviceName: '' } }, asService), (error: RpcError) => {
      assert.equal(error.code, Code.INVALID_ARGUMENT);
      assert.deepEqual(error.details.fieldViolations!.map((v) => v.field).sort(), ['instance.address', 'instance.grpc_port', 'instance.service_name']);
      return true;
    });
    await assert.rejects(client.heartbeat({ instanceId: 'never-registered' }, asService), (error: RpcError) => error.code === Code.NOT_FOUND);
  });

  it('takes back an instance it forgot: the instance registers again under its id', async () => {
    const id = inProcess.service.registration!.instanceId;
    const redis = new Redis(REDIS_URL);
    try {
      await redis.del(`${prefix}instance:${id}`);
    } finally {
      redis.disconnect();
    }
    await until('the forgotten instance registered again', async () => byId(await usersInstances(), id)?.health === SERVING, {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
  });

  it('resolves a client through the registry, round-robin over both instances', async () => {
    resolver = createRegistryResolver({
      registryAddresses: [registry.address],
      refreshMs: 200,
      credentials: registryCredentials(tokens, 'registry-test'),
      log,
    });
    const resolved: string[][] = [];
    resolver.watch(USERS, [inProcess.address], (addresses) => resolved.push(addresses));
    users = createClient(UsersServiceService, { addresses: [inProcess.address], deadlineMs: 2_000, resolver });
    const addresses = (await usersInstances()).map((i) => i.address).sort();
    await until('the resolver found both instances', () => resolved.at(-1)?.join() === addresses.join());
    // Spread over both: the child's own SuggestNames counter moves.
    const childCalls = async () => {
      const child = await childInstance();
      const text = await (await fetch(`http://127.0.0.1:${child.metricsPort}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('grpc_server_handled_total{') && l.includes('grpc_method="SuggestNames"') && l.includes('grpc_code="OK"'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await childCalls();
    await until(
      'calls reach the child instance',
      async () => {
        await users!.suggestNames({ count: 1 });
        return (await childCalls()) > before;
      },
      { timeoutMs: 10_000 },
    );
  });

  it('keeps every call succeeding while one instance is killed', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      if (i === 10) {
        // The other 40 calls all happen after the process is gone.
        const exited = once(child!, 'exit');
        child!.kill('SIGKILL');
        await exited;
      }
      outcomes.push(
        await users!.suggestNames({ count: 1 }).then(
          () => 'ok',
          (error: RpcError) => Code[error.code],
        ),
      );
    }
    assert.deepEqual(
      outcomes.filter((o) => o !== 'ok'),
      [],
      `outcomes: ${outcomes.join(' ')}`,
    );
  });

  it('marks the killed instance down, then expires it', async () => {
    const killedId = (await usersInstances()).find((i) => i.id !== inProcess.service.registration!.instanceId)?.id;
    assert.ok(killedId, 'the killed instance is still listed: it never deregistered');
    await until('the killed instance is UNREACHABLE', async () => byId(await usersInstances(), killedId)?.health === UNREACHABLE, { timeoutMs: 5_000 });
    assert.deepEqual(await client.checkAll({}, asAdmin), { services: [{ name: 'users', status: SERVING, healthyInstances: 1, totalInstances: 2 }] });
    await until('the killed instance expired', async () => !byId(await usersInstances(), killedId), {
      timeoutMs: 3 * HEARTBEAT_SECONDS * 1000 + 3_000,
      intervalMs: 200,
    });
    assert.deepEqual(
      (await usersInstances()).map((i) => i.id),
      [inProcess.service.registration!.instanceId],
    );
  });

  it('deregisters an instance at once on graceful shutdown', async () => {
    const another = await startInProcessUsers();
    try {
      await another.service.registration!.registered();
      assert.ok(byId(await usersInstances(), another.service.registration!.instanceId));
    } finally {
      await another.stop();
    }
    assert.equal(byId(await usersInstances(), another.service.registration!.instanceId), undefined, 'gone without waiting for its TTL');
  });

  it('falls back to static addresses when the registry is down, and calls keep succeeding', async () => {
    // The fallback names the live instance by host name, so it differs from the registry's answer.
    const fallback = [`localhost:${inProcess.service.grpcPort}`];
    const seen: string[][] = [];
    resolver!.watch(USERS, fallback, (addresses) => seen.push(addresses));
    await until('resolved through the registry', () => seen.at(-1)?.join() === inProcess.address);
    await registry.stop();
    await until('the resolver fell back to the static addresses', () => seen.at(-1)?.join() === fallback.join(), { timeoutMs: 5_000 });
    for (let i = 0; i < 10; i += 1) await users!.suggestNames({ count: 1 });
  });
});
