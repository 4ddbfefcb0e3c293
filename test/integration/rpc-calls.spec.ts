import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createClient, type TypedClient } from '../../platform/client';
import { Code, RpcError, invalidArgument } from '../../platform/errors';
import type { CallContext } from '../../platform/rpc/context';
import { RegistryServiceService } from '../../gen/ts/shop/registry/v1/registry';
import { sleep, timed, until } from '../support/poll';
import { anInstance, bearer, metricValue, registryBinding, startTestServer, type TestServer } from '../support/rpc-fixtures';
import { rpcErrorOf } from '../support/rpc-error';

type RegistryClient = TypedClient<typeof RegistryServiceService>;
const REGISTRY = 'shop.registry.v1.RegistryService';

describe('platform server and client: unary calls', function () {
  this.timeout(10_000);

  const identities: (CallContext['identity'] | 'none')[] = [];
  let serverAborted = false;
  let running: TestServer;
  let client: RegistryClient;

  before(async () => {
    running = await startTestServer([
      registryBinding(
        {
          async checkAll() {
            throw new Error('SELECT * FROM secret');
          },
          async getStats(_req, ctx) {
            identities.push(ctx.identity ?? 'none');
            return { methods: [{ serviceName: 'catalog', method: 'GetProduct', calls: '3', errors: '0' }] };
          },
          async deregister({ instanceId }) {
            throw invalidArgument([{ field: 'instance_id', description: `unknown instance ${instanceId}` }]);
          },
          async heartbeat(_req, ctx) {
            // Waits past any sensible deadline unless the call ends first.
            await sleep(2_000, ctx.signal);
            serverAborted = ctx.signal.aborted;
            return {};
          },
        },
        { deregister: 'authenticated' },
      ),
    ]);
    client = createClient(RegistryServiceService, { addresses: [running.address], deadlineMs: 2_000 });
  });

  after(async () => {
    client?.close();
    await running?.stop();
  });

  it('answers a unary call with what the handler returned', async () => {
    const headers = await bearer('ops-1', ['customer']);
    const registered = await client.register({ instance: anInstance('catalog-1') }, { metadata: headers });
    assert.deepEqual(registered, { instanceId: 'catalog-1', heartbeatIntervalSeconds: 5 });
    const { service } = await client.getService({ name: 'catalog' });
    assert.equal(service?.name, 'catalog');
    assert.deepEqual(service?.instances, [anInstance('catalog-1')]);
  });

  it("runs the caller's own client interceptors inside the platform's, with the contract's policy", async () => {
    const seen: string[] = [];
    const tagged = createClient(RegistryServiceService, {
      addresses: [running.address],
      deadlineMs: 2_000,
      interceptors: [
        (next) => async (request, call) => {
          seen.push(`${call.method} ${call.policy.idempotency}`);
          call.metadata.set('authorization', (await bearer('u-admin', ['admin'])).authorization);
          return next(request, call);
        },
      ],
    });
    try {
      await tagged.getStats({});
      assert.deepEqual(seen, ['GetStats no_side_effects']);
      assert.equal((identities.at(-1) as { userId: string }).userId, 'u-admin');
    } finally {
      tagged.close();
    }
  });

  it('delivers an RpcError to the client with the same code, message and details', async () => {
    const error = await rpcErrorOf(client.getService({ name: 'nowhere' }));
    assert.equal(error.code, Code.NOT_FOUND);
    assert.equal(error.message, 'service nowhere not found');
    assert.deepEqual(error.details, { reason: 'SERVICE_NOT_FOUND', metadata: {}, resource: { type: 'service', name: 'nowhere' } });
  });

  it('delivers every field violation of a bad request', async () => {
    const error = await rpcErrorOf(client.register({ instance: undefined }, { metadata: await bearer('ops-1', []) }));
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    assert.deepEqual(error.details.fieldViolations, [
      { field: 'instance.id', description: 'required' },
      { field: 'instance.service_name', description: 'required' },
    ]);
    assert.equal(error.details.reason, 'INVALID_ARGUMENT');
  });

  it('answers INTERNAL without leaking the error text', async () => {
    const error = await rpcErrorOf(client.checkAll({}));
    assert.equal(error.code, Code.INTERNAL);
    assert.equal(error.message, 'internal error');
    assert.deepEqual(error.details, {});

    // What a foreign client sees on the wire: status details and every trailer.
    const raw = new grpc.Client(running.address, grpc.credentials.createInsecure());
    try {
      const status = await new Promise<grpc.ServiceError>((resolve) =>
        raw.makeUnaryRequest(
          RegistryServiceService.checkAll.path,
          () => Buffer.alloc(0),
          (b: Buffer) => b,
          {},
          (e) => resolve(e!),
        ),
      );
      assert.equal(status.code, grpc.status.INTERNAL);
      assert.equal(status.details, 'internal error');
      const wire = JSON.stringify(status.metadata.toJSON()) + status.details + status.message;
      assert.doesNotMatch(wire, /SELECT|secret/i);
    } finally {
      raw.close();
    }
  });

  it('refuses an authenticated method without a token: UNAUTHENTICATED', async () => {
    const error = await rpcErrorOf(client.register({ instance: anInstance('catalog-2') }));
    assert.equal(error.code, Code.UNAUTHENTICATED);
    assert.equal(error.details.reason, 'UNAUTHENTICATED');
  });

  it('refuses an authenticated method with a forged token: UNAUTHENTICATED', async () => {
    const error = await rpcErrorOf(client.register({ instance: anInstance('catalog-2') }, { metadata: { authorization: 'Bearer x.y.z' } }));
    assert.equal(error.code, Code.UNAUTHENTICATED);
  });

  it('refuses an admin method to a customer: PERMISSION_DENIED', async () => {
    const before = identities.length;
    const error = await rpcErrorOf(client.getStats({}, { metadata: await bearer('u-customer', ['customer']) }));
    assert.equal(error.code, Code.PERMISSION_DENIED);
    assert.equal(error.details.reason, 'PERMISSION_DENIED');
    assert.equal(identities.length, before, 'the handler never ran');
  });

  it('hands the verified identity to the handler as ctx.identity', async () => {
    const response = await client.getStats({}, { metadata: await bearer('u-admin', ['admin']) });
    assert.equal(response.methods[0].calls, '3');
    const { expiresAt, audience, ...identity } = identities.at(-1) as NonNullable<CallContext['identity']>;
    assert.deepEqual(identity, { userId: 'u-admin', roles: ['admin'] });
    assert.ok(expiresAt && expiresAt.getTime() > Date.now(), "the token's expiry comes with the identity");
  });

  it('counts handled calls in grpc_server_handled_total by grpc_code', async () => {
    const labels = (method: string, code: string) => ({ grpc_service: REGISTRY, grpc_method: method, grpc_type: 'unary', grpc_code: code });
    const before = {
      ok: await metricValue('grpc_server_handled_total', labels('GetService', 'OK')),
      notFound: await metricValue('grpc_server_handled_total', labels('GetService', 'NOT_FOUND')),
      internal: await metricValue('grpc_server_handled_total', labels('CheckAll', 'INTERNAL')),
      invalid: await metricValue('grpc_server_handled_total', labels('Deregister', 'INVALID_ARGUMENT')),
      denied: await metricValue('grpc_server_handled_total', labels('Deregister', 'UNAUTHENTICATED')),
    };
    await client.getService({ name: 'catalog' });
    await client.getService({ name: 'catalog' });
    await rpcErrorOf(client.getService({ name: 'nowhere' }));
    await rpcErrorOf(client.checkAll({}));
    await rpcErrorOf(client.deregister({ instanceId: 'i-1' }, { metadata: await bearer('ops-1', []) }));
    await rpcErrorOf(client.deregister({ instanceId: 'i-1' }));
    assert.equal(await metricValue('grpc_server_handled_total', labels('GetService', 'OK')), before.ok + 2);
    assert.equal(await metricValue('grpc_server_handled_total', labels('GetService', 'NOT_FOUND')), before.notFound + 1);
    assert.equal(await metricValue('grpc_server_handled_total', labels('CheckAll', 'INTERNAL')), before.internal + 1);
    assert.equal(await metricValue('grpc_server_handled_total', labels('Deregister', 'INVALID_ARGUMENT')), before.invalid + 1);
    assert.equal(await metricValue('grpc_server_handled_total', labels('Deregister', 'UNAUTHENTICATED')), before.denied + 1);
  });

  it('serves the metrics on the status port for Prometheus', async () => {
    const text = await (await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`)).text();
    assert.match(text, /grpc_server_handled_total\{[^}]*grpc_method="GetService"[^}]*grpc_code="OK"[^}]*\} \d+/);
    const health = await fetch(`http://127.0.0.1:${running.metricsPort}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { serving: boolean }).serving, true);
  });

  it("gives up at the client's default deadline with DEADLINE_EXCEEDED, and the handler sees it", async () => {
    const impatient = createClient(RegistryServiceService, { addresses: [running.address], deadlineMs: 150 });
    try {
      serverAborted = false;
      const headers = await bearer('ops-1', []);
      const { ms, result } = await timed(() => impatient.heartbeat({ instanceId: 'catalog-1' }, { metadata: headers }));
      assert.equal(result.status, 'rejected');
      const error = (result as PromiseRejectedResult).reason;
      assert.ok(error instanceof RpcError);
      assert.equal(error.code, Code.DEADLINE_EXCEEDED);
      assert.ok(ms >= 140 && ms < 1_000, `gave up after ${ms} ms`);
      await until('the handler to see its call end', () => serverAborted, { timeoutMs: 1_000 });
    } finally {
      impatient.close();
    }
  });

  it("cancels an in-flight call when the caller's signal aborts, and the handler sees it", async () => {
    serverAborted = false;
    const controller = new AbortController();
    const call = client.heartbeat({ instanceId: 'catalog-1' }, { metadata: await bearer('ops-1', []), signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const { ms, result } = await timed(() => call);
    assert.equal(result.status, 'rejected');
    assert.equal(((result as PromiseRejectedResult).reason as RpcError).code, Code.CANCELLED);
    assert.ok(ms < 1_000, `cancelled after ${ms} ms`);
    await until('the handler to see its call end', () => serverAborted, { timeoutMs: 1_000 });
  });

  it('does not even start a call whose signal was aborted before it', async () => {
    const before = identities.length;
    const error = await rpcErrorOf(client.getStats({}, { metadata: await bearer('u-admin', ['admin']), signal: AbortSignal.abort() }));
    assert.equal(error.code, Code.CANCELLED);
    assert.equal(identities.length, before, 'the handler never ran');
  });

  it('lets one call set its own deadline', async () => {
    const headers = await bearer('ops-1', []);
    const { ms, result } = await timed(() => client.heartbeat({ instanceId: 'catalog-1' }, { metadata: headers, deadlineMs: 100 }));
    assert.equal(result.status, 'rejected');
    assert.equal(((result as PromiseRejectedResult).reason as RpcError).code, Code.DEADLINE_EXCEEDED);
    assert.ok(ms < 1_000, `gave up after ${ms} ms`);
  });
});

describe("platform client: forwarding the caller's authorization", function () {
  this.timeout(10_000);

  const seenDownstream: (CallContext['identity'] | 'none')[] = [];
  const downstreamDeadlines: (number | undefined)[] = [];
  let downstream: TestServer;
  let front: TestServer;
  let downstreamClient: RegistryClient;
  let client: RegistryClient;

  before(async () => {
    downstream = await startTestServer(
      [
        registryBinding({
          async heartbeat(_req, ctx) {
            seenDownstream.push(ctx.identity ?? 'none');
            return {};
          },
          async listServices(_req, ctx) {
            downstreamDeadlines.push(ctx.deadline);
            return { services: [] };
          },
        }),
      ],
      { name: 'downstream' },
    );
    downstreamClient = createClient(RegistryServiceService, { addresses: [downstream.address], deadlineMs: 2_000 });
    // A public method whose handler calls an authenticated one downstream,
    // passing no metadata: the platform forwards the caller's token.
    front = await startTestServer(
      [
        registryBinding({
          async getService({ name }) {
            await downstreamClient.heartbeat({ instanceId: name });
            return { service: { name, instances: [] } };
          },
          async checkAll() {
            await downstreamClient.listServices({});
            return { services: [] };
          },
        }),
      ],
      { name: 'front' },
    );
    client = createClient(RegistryServiceService, { addresses: [front.address], deadlineMs: 2_000 });
  });

  after(async () => {
    client?.close();
    downstreamClient?.close();
    await front?.stop();
    await downstream?.stop();
  });

  it("forwards the caller's token when a handler calls another service", async () => {
    await client.getService({ name: 'orders' }, { metadata: await bearer('u-42', ['customer']) });
    const { userId, roles } = seenDownstream.at(-1) as NonNullable<CallContext['identity']>;
    assert.deepEqual({ userId, roles }, { userId: 'u-42', roles: ['customer'] });
  });

  it('forwards nothing for an anonymous caller, so downstream refuses it', async () => {
    const before = seenDownstream.length;
    const error = await rpcErrorOf(client.getService({ name: 'orders' }));
    assert.equal(error.code, Code.UNAUTHENTICATED);
    assert.equal(seenDownstream.length, before);
  });

  it("gives a downstream call no more time than the caller's deadline leaves", async () => {
    const started = Date.now();
    await client.checkAll({}, { deadlineMs: 500 });
    const deadline = downstreamDeadlines.at(-1);
    assert.ok(deadline !== undefined, 'downstream saw no deadline');
    // The downstream client's own default is 2 s; the caller allowed 500 ms.
    assert.ok(deadline! <= started + 600, `downstream deadline ${deadline! - started} ms after the call started`);
  });

  it('sends no authorization from outside a call', async () => {
    const error = await rpcErrorOf(downstreamClient.heartbeat({ instanceId: 'x' }));
    assert.equal(error.code, Code.UNAUTHENTICATED);
  });

  it('keeps concurrent callers apart', async () => {
    const users = ['u-1', 'u-2', 'u-3', 'u-4', 'u-5'];
    const before = seenDownstream.length;
    await Promise.all(users.map(async (user) => client.getService({ name: user }, { metadata: await bearer(user, []) })));
    const seen = seenDownstream.slice(before).map((identity) => (identity === 'none' ? 'none' : identity?.userId));
    assert.deepEqual([...seen].sort(), users);
  });
});
