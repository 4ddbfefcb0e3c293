import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import type { Tokens } from '../../../platform/auth';
import type { CallOptions, TypedClient } from '../../../platform/client';
import { Code } from '../../../platform/errors';
import type { RegistryServiceService, Instance } from '../../../gen/ts/shop/registry/v1/registry';
import { until } from '../../../test/support/poll';
import { rpcErrorOf } from '../../../test/support/rpc-error';
import { startServiceUnderTest, type ServiceUnderTest } from '../../../test/support/service-under-test';
import { registryService } from '../src/service';
import { startOutsideService, type OutsideService } from './outside-service';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const METRICS_CAP = 64 * 1024;

/**
 * Issue 13, items 4 and 5, tried as an attacker would: one service's token
 * against another service's instances, tokens without the registry's
 * audience, anonymous and customer reads of instance addresses, a burst of
 * anonymous reads against the fleet, and an instance whose /metrics never ends.
 */
describe('registry: nobody can hijack it, read the fleet anonymously or flood it', function () {
  this.timeout(60_000);

  const prefix = `test-registry-abuse-${Date.now().toString(36)}:`;
  let tokens: Tokens;
  const bearer = async (userId: string, roles: string[], audience?: string): Promise<CallOptions> => ({
    metadata: { authorization: `Bearer ${(await tokens.issue({ userId, roles }, { audience })).token}` },
  });
  let registry: ServiceUnderTest<typeof registryService>;
  let client: TypedClient<typeof RegistryServiceService>;
  let outside: OutsideService;
  let endless: Server;
  let endlessBytes = 0;
  let endlessClosed = false;
  let asUsers: CallOptions;
  let asOrders: CallOptions;
  let usersInstance: Instance;

  const instance = (overrides: Partial<Instance>): Instance => ({
    id: '',
    serviceName: 'users',
    version: '1.0.0',
    address: '127.0.0.1:1',
    grpcPort: 0,
    metricsPort: 9,
    startedAt: undefined,
    lastHeartbeatAt: undefined,
    health: 0,
    methods: [],
    uptimeSeconds: '0',
    discovered: false,
    ...overrides,
  });

  before(async () => {
    outside = await startOutsideService();
    // A /metrics that never ends: the registry must stop reading at its cap.
    endless = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const line = Buffer.from(`grpc_server_handled_total{grpc_service="x",grpc_method="y",grpc_code="OK"} 1\n`.repeat(800));
      const pump = () => {
        while (!res.destroyed && res.write(line)) endlessBytes += line.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => (endlessClosed = true));
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    registry = await startServiceUnderTest(registryService, {
      overrides: {
        REGISTRY_KEY_PREFIX: prefix,
        REGISTRY_PROBE_TIMEOUT_MS: '2000',
        REGISTRY_PROBE_CACHE_MS: '5000',
        REGISTRY_METRICS_MAX_BYTES: String(METRICS_CAP),
      },
      deadlineMs: 10_000,
    });
    ({ client, tokens } = registry);
    asUsers = await registry.asServiceForRegistry('users');
    asOrders = await registry.asServiceForRegistry('orders');
    const { instanceId } = await client.register(
      { instance: instance({ address: outside.address, metricsPort: (endless.address() as AddressInfo).port }) },
      asUsers,
    );
    usersInstance = (await client.getService({ name: 'users' }, asUsers)).service!.instances.find((i) => i.id === instanceId)!;
  });

  after(async () => {
    await registry?.stop();
    await outside?.stop();
    endless?.closeAllConnections();
    endless?.close();
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  const usersIds = async () => (await client.getService({ name: 'users' }, asUsers)).service!.instances.map((i) => i.id);

  it("refuses one service's token for another service's name, instance id or address", async () => {
    const asNamed = await rpcErrorOf(client.register({ instance: instance({ address: '127.0.0.1:2' }) }, asOrders));
    assert.equal(asNamed.code, Code.PERMISSION_DENIED);
    const overId = await rpcErrorOf(client.register({ instance: instance({ id: usersInstance.id, serviceName: 'orders', address: '127.0.0.1:3' }) }, asOrders));
    assert.equal(overId.code, Code.PERMISSION_DENIED);
    const overAddress = await rpcErrorOf(client.register({ instance: instance({ serviceName: 'orders', address: usersInstance.address }) }, asOrders));
    assert.equal(overAddress.code, Code.FAILED_PRECONDITION);
    assert.equal(overAddress.details.reason, 'ADDRESS_IN_USE');
    assert.equal((await rpcErrorOf(client.heartbeat({ instanceId: usersInstance.id }, asOrders))).code, Code.PERMISSION_DENIED);
    assert.equal((await rpcErrorOf(client.deregister({ instanceId: usersInstance.id }, asOrders))).code, Code.PERMISSION_DENIED);
    const [users] = (await client.getService({ name: 'users' }, asUsers)).service!.instances;
    assert.deepEqual([users.id, users.address], [usersInstance.id, usersInstance.address], 'the users instance is untouched');
    await assert.rejects(client.getService({ name: 'orders' }, asUsers), { code: Code.NOT_FOUND });
  });

  it('takes service tokens only with the registry audience and a service subject', async () => {
    const attempts: [string, CallOptions][] = [
      ['the user API audience', await bearer('service:users', ['service'])],
      ['a user subject', await bearer('u-1', ['service'], 'registry')],
      ['a customer role', await bearer('service:users', ['customer'], 'registry')],
    ];
    for (const [what, options] of attempts) {
      assert.equal((await rpcErrorOf(client.heartbeat({ instanceId: usersInstance.id }, options))).code, Code.PERMISSION_DENIED, what);
      assert.equal((await rpcErrorOf(client.register({ instance: instance({ address: '127.0.0.1:4' }) }, options))).code, Code.PERMISSION_DENIED, what);
    }
    await client.heartbeat({ instanceId: usersInstance.id }, asUsers);
  });

  it('lets a service deregister only its own instances, and an admin any', async () => {
    const { instanceId } = await client.register({ instance: instance({ address: '127.0.0.1:5' }) }, asUsers);
    assert.ok((await usersIds()).includes(instanceId));
    await client.deregister({ instanceId }, await bearer('admin-1', ['admin']));
    assert.ok(!(await usersIds()).includes(instanceId));
  });

  it('shows instance addresses only to admins and services; CheckAll, names and counts, stays public', async () => {
    const asCustomer = await bearer('customer-1', ['customer']);
    for (const read of [
      (o?: CallOptions) => client.listServices({}, o),
      (o?: CallOptions) => client.getService({ name: 'users' }, o),
      (o?: CallOptions) => client.getStats({}, o),
    ]) {
      assert.equal((await rpcErrorOf(read())).code, Code.UNAUTHENTICATED);
      assert.equal((await rpcErrorOf(read(asCustomer))).code, Code.PERMISSION_DENIED);
      await read(await bearer('admin-1', ['admin']));
      await read(asOrders);
    }
    const { services } = await client.checkAll({});
    assert.deepEqual(Object.keys(services[0]).sort(), ['healthyInstances', 'name', 'status', 'totalInstances']);
  });

  it('answers a burst of anonymous reads with one probe per instance, not one per read', async () => {
    const before = outside.healthChecks();
    await Promise.all(Array.from({ length: 30 }, () => client.checkAll({})));
    assert.ok(outside.healthChecks() - before <= 1, `${outside.healthChecks() - before} health checks for 30 reads`);
  });

  it('stops reading a /metrics body at its size cap', async () => {
    const started = Date.now();
    const { methods } = await client.getStats({}, asUsers);
    assert.deepEqual(methods, [], 'the endless body counts as no answer');
    assert.ok(Date.now() - started < 2_000, 'answered without waiting for the body to end');
    await until('the registry closed the connection', async () => endlessClosed, { timeoutMs: 3_000 });
    assert.ok(endlessBytes < 64 * METRICS_CAP, `stopped after ${endlessBytes} bytes, cap ${METRICS_CAP}`);
  });
});
