import assert from 'node:assert/strict';
import { createClient } from '../../platform/client';
import { Code, RpcError } from '../../platform/errors';
import { RegistryServiceService } from '../../gen/ts/shop/registry/v1/registry';
import { sleep, timed, until } from '../support/poll';
import { healthClient, registryBinding, startTestServer, type TestServer } from '../support/rpc-fixtures';

const REGISTRY = 'shop.registry.v1.RegistryService';

describe('platform server: health', function () {
  this.timeout(10_000);

  let running: TestServer;
  let health: ReturnType<typeof healthClient>;

  before(async () => {
    running = await startTestServer([registryBinding()]);
    health = healthClient(running.address);
  });

  after(async () => {
    health?.close();
    await running?.stop();
  });

  it('answers SERVING for the whole server and for each contract once started', async () => {
    assert.equal(await health.check(''), 'SERVING');
    assert.equal(await health.check(REGISTRY), 'SERVING');
  });

  it('answers NOT_FOUND for a service it does not serve', async () => {
    await assert.rejects(health.check('shop.nothing.v1.NothingService'), (error: { code: number }) => error.code === Code.NOT_FOUND);
  });

  it('reports serving on /healthz', async () => {
    const response = await fetch(`http://127.0.0.1:${running.metricsPort}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok', serving: true, checks: [] });
  });
});

describe('platform server: shutdown', function () {
  this.timeout(10_000);

  it('turns NOT_SERVING as it starts draining, for gRPC watchers and /healthz', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = await startTestServer(
      [
        registryBinding(
          {
            async getStats() {
              await held;
              return { methods: [] };
            },
          },
          { getStats: 'public' },
        ),
      ],
      { shutdownGraceMs: 3_000 },
    );
    const health = healthClient(running.address);
    const client = createClient(RegistryServiceService, { addresses: [running.address], deadlineMs: 5_000 });
    try {
      const overall = health.watch('');
      const contract = health.watch(REGISTRY);
      await until('watchers to see SERVING', () => overall.seen.includes('SERVING') && contract.seen.includes('SERVING'));
      const inFlight = client.getStats({});
      await sleep(50);
      const stopping = running.server.shutdown('test');

      await until('watchers to see NOT_SERVING', () => overall.seen.at(-1) === 'NOT_SERVING' && contract.seen.at(-1) === 'NOT_SERVING');
      const healthz = await fetch(`http://127.0.0.1:${running.metricsPort}/healthz`);
      assert.equal(healthz.status, 503);
      assert.equal(((await healthz.json()) as { serving: boolean }).serving, false);

      overall.cancel();
      contract.cancel();
      release();
      await inFlight;
      await stopping;
    } finally {
      release();
      client.close();
      health.close();
      await running.stop();
    }
  });

  it('ends health watches as it drains, so they do not hold shutdown for the grace period', async () => {
    const running = await startTestServer([registryBinding()], { shutdownGraceMs: 5_000 });
    const health = healthClient(running.address);
    try {
      const watcher = health.watch('');
      await until('the watcher to see SERVING', () => watcher.seen.includes('SERVING'));
      const { ms } = await timed(() => running.server.shutdown('test'));
      assert.ok(ms < 1_000, `shutdown took ${ms} ms with a watcher open`);
      assert.deepEqual(watcher.seen, ['SERVING', 'NOT_SERVING']);
    } finally {
      health.close();
      await running.stop();
    }
  });

  it('waits for an in-flight call to finish, then closes what the service opened, last opened first', async () => {
    const trail: string[] = [];
    const running = await startTestServer(
      [
        registryBinding(
          {
            async getStats() {
              await sleep(300);
              trail.push('call finished');
              return { methods: [{ serviceName: 'users', method: 'Login', calls: '1', errors: '0' }] };
            },
          },
          { getStats: 'public' },
        ),
      ],
      { shutdownGraceMs: 3_000 },
    );
    running.server.onClose('database', async () => void trail.push('database closed'));
    running.server.onClose('outbox relay', async () => void trail.push('outbox relay closed'));
    const client = createClient(RegistryServiceService, { addresses: [running.address], deadlineMs: 5_000 });
    try {
      const inFlight = client.getStats({});
      await sleep(50);
      const { ms, result } = await timed(() => running.server.shutdown('test'));
      assert.equal(result.status, 'fulfilled');
      assert.equal((await inFlight).methods[0].method, 'Login', 'the in-flight call got its answer');
      assert.deepEqual(trail, ['call finished', 'outbox relay closed', 'database closed']);
      assert.ok(ms >= 200 && ms < 2_000, `shutdown took ${ms} ms`);
      await assert.rejects(
        client.getStats({}, { deadlineMs: 500 }),
        (error: RpcError) => error.code === Code.UNAVAILABLE || error.code === Code.DEADLINE_EXCEEDED,
      );
    } finally {
      client.close();
      await running.stop();
    }
  });

  it('lets an in-flight call that watches ctx.signal finish while draining', async () => {
    let abortedDuringCall: boolean | undefined;
    const running = await startTestServer(
      [
        registryBinding(
          {
            async getStats(_req, ctx) {
              await sleep(300, ctx.signal);
              abortedDuringCall = ctx.signal.aborted;
              return { methods: [] };
            },
          },
          { getStats: 'public' },
        ),
      ],
      { shutdownGraceMs: 3_000 },
    );
    const client = createClient(RegistryServiceService, { addresses: [running.address], deadlineMs: 5_000 });
    try {
      const inFlight = client.getStats({});
      await sleep(50);
      await running.server.shutdown('test');
      await inFlight;
      assert.equal(abortedDuringCall, false, 'draining must not abort a unary call: the grace period is for it to finish');
    } finally {
      client.close();
      await running.stop();
    }
  });

  it('cancels calls still running when the grace period is over', async () => {
    let handlerSawCancel = false;
    const running = await startTestServer(
      [
        registryBinding(
          {
            async getStats(_req, ctx) {
              await sleep(5_000, ctx.signal);
              handlerSawCancel = ctx.signal.aborted;
              return { methods: [] };
            },
          },
          { getStats: 'public' },
        ),
      ],
      { shutdownGraceMs: 300 },
    );
    const client = createClient(RegistryServiceService, { addresses: [running.address], deadlineMs: 10_000 });
    try {
      const inFlight = timed(() => client.getStats({}));
      await sleep(50);
      const { ms } = await timed(() => running.server.shutdown('test'));
      assert.ok(ms >= 250 && ms < 1_500, `shutdown took ${ms} ms, grace is 300 ms`);
      const call = await inFlight;
      assert.equal(call.result.status, 'rejected');
      const error = (call.result as PromiseRejectedResult).reason as RpcError;
      assert.ok([Code.CANCELLED, Code.UNAVAILABLE].includes(error.code), `got ${Code[error.code]}`);
      assert.ok(call.ms < 2_000, `the caller waited ${call.ms} ms`);
      await until('the handler to see its call cancelled', () => handlerSawCancel, { timeoutMs: 1_000 });
    } finally {
      client.close();
      await running.stop();
    }
  });

  it('shuts down once, however often it is asked', async () => {
    let closes = 0;
    const running = await startTestServer([registryBinding()]);
    running.server.onClose('cache', async () => void (closes += 1));
    await Promise.all([running.server.shutdown('a'), running.server.shutdown('b'), running.stop()]);
    assert.equal(closes, 1);
  });

  it('keeps closing the other resources when one fails to close', async () => {
    const closed: string[] = [];
    const running = await startTestServer([registryBinding()]);
    running.server.onClose('database', async () => void closed.push('database'));
    running.server.onClose('redis', async () => {
      throw new Error('already closed');
    });
    await running.stop();
    assert.deepEqual(closed, ['database']);
  });
});
