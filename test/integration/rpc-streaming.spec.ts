import assert from 'node:assert/strict';
import { createClient, type TypedClient } from '../../platform/client';
import { Code, failedPrecondition, RpcError } from '../../platform/errors';
import { defineService, type Handlers } from '../../platform/rpc/bind-service';
import { caller } from '../../platform/rpc/context';
import { NotificationsServiceService, type Notification } from '../../gen/ts/shop/notifications/v1/notifications';
import { sleep, timed, until } from '../support/poll';
import { bearer, metricValue, startTestServer, type TestServer } from '../support/rpc-fixtures';

const notification = (userId: string, n: number): Notification => ({
  id: `n-${n}`,
  userId,
  eventId: `e-${n}`,
  eventType: 'shop.orders.v1.OrderPaid',
  title: `Order ${n} paid`,
  body: 'x'.repeat(n === 0 ? 0 : 16),
  createdAt: new Date(Date.UTC(2026, 10, 25, 12, 0, n)),
});

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe('platform server and client: server streaming', function () {
  this.timeout(10_000);

  /** What WatchNotifications does next; each test sets it. */
  let watch: Handlers<typeof NotificationsServiceService>['watchNotifications'];
  let running: TestServer;
  let client: TypedClient<typeof NotificationsServiceService>;

  before(async () => {
    running = await startTestServer(
      [
        defineService({
          definition: NotificationsServiceService,
          handlers: {
            async listNotifications() {
              return { notifications: [], nextPageToken: '' };
            },
            watchNotifications: (request, ctx) => watch(request, ctx),
          },
        }),
      ],
      { shutdownGraceMs: 5_000 },
    );
    client = createClient(NotificationsServiceService, { addresses: [running.address], deadlineMs: 2_000 });
  });

  after(async () => {
    client?.close();
    await running?.stop();
  });

  it("delivers what the handler sends, in order, through the client's async iterable", async () => {
    watch = async (_req, ctx) => {
      const { userId } = caller(ctx);
      for (let n = 1; n <= 3; n += 1) await ctx.send({ notification: notification(userId, n) });
    };
    const received = await collect(client.watchNotifications({}, { metadata: await bearer('u-7', ['customer']) }));
    assert.deepEqual(
      received.map((r) => r.notification),
      [1, 2, 3].map((n) => notification('u-7', n)),
    );
  });

  it('ends the iteration cleanly when the handler sends nothing', async () => {
    watch = async () => undefined;
    assert.deepEqual(await collect(client.watchNotifications({}, { metadata: await bearer('u-7', []) })), []);
  });

  it('delivers the messages sent before a failure, then the RpcError with its details', async () => {
    watch = async (_req, ctx) => {
      await ctx.send({ notification: notification('u-7', 1) });
      await ctx.send({ notification: notification('u-7', 2) });
      throw failedPrecondition('feed closed', 'FEED_CLOSED', { feed: 'u-7' });
    };
    const received: unknown[] = [];
    await assert.rejects(
      async () => {
        for await (const message of client.watchNotifications({}, { metadata: await bearer('u-7', []) })) received.push(message);
      },
      (error: unknown) => {
        assert.ok(error instanceof RpcError);
        assert.equal(error.code, Code.FAILED_PRECONDITION);
        assert.equal(error.message, 'feed closed');
        assert.deepEqual(error.details, { reason: 'FEED_CLOSED', metadata: { feed: 'u-7' } });
        return true;
      },
    );
    assert.equal(received.length, 2);
  });

  it('hides an unexpected failure in a stream behind INTERNAL', async () => {
    watch = async () => {
      throw new Error('SELECT * FROM secret');
    };
    await assert.rejects(collect(client.watchNotifications({}, { metadata: await bearer('u-7', []) })), (error: unknown) => {
      assert.ok(error instanceof RpcError);
      assert.equal(error.code, Code.INTERNAL);
      assert.equal(error.message, 'internal error');
      return true;
    });
  });

  it("applies the method's access rule before the stream starts", async () => {
    let started = false;
    watch = async () => {
      started = true;
    };
    await assert.rejects(collect(client.watchNotifications({})), (error: RpcError) => error.code === Code.UNAUTHENTICATED);
    assert.equal(started, false);
  });

  it('tells the handler when the client stops reading', async () => {
    let handlerEnded: 'signal' | 'timeout' | undefined;
    watch = async (_req, ctx) => {
      for (let n = 1; !ctx.signal.aborted; n += 1) {
        await ctx.send({ notification: notification('u-7', n) });
        await sleep(10, ctx.signal);
        if (n > 500) {
          handlerEnded = 'timeout';
          return;
        }
      }
      handlerEnded = 'signal';
    };
    for await (const message of client.watchNotifications({}, { metadata: await bearer('u-7', []) })) {
      if (message.notification?.id === 'n-3') break;
    }
    assert.equal(await until('the handler to end', () => handlerEnded), 'signal');
  });

  it('does not leave the handler hanging on a send the client will never read', async () => {
    let handlerEnded = false;
    const big = 'x'.repeat(256 * 1024);
    watch = async (_req, ctx) => {
      try {
        // The client reads one message and leaves: later sends wait on flow control.
        for (let n = 1; n <= 200 && !ctx.signal.aborted; n += 1) await ctx.send({ notification: { ...notification('u-7', n), body: big } });
      } finally {
        handlerEnded = true;
      }
    };
    for await (const _message of client.watchNotifications({}, { metadata: await bearer('u-7', []) })) break;
    await until('the handler to end', () => handlerEnded, { timeoutMs: 3_000 });
  });

  it('gives a stream a deadline only when the caller asks for one', async () => {
    watch = async (_req, ctx) => {
      await sleep(400, ctx.signal);
      await ctx.send({ notification: notification('u-7', 1) });
    };
    const impatient = createClient(NotificationsServiceService, { addresses: [running.address], deadlineMs: 100 });
    try {
      const headers = await bearer('u-7', []);
      // Longer than the client's default deadline, which streams ignore.
      assert.equal((await collect(impatient.watchNotifications({}, { metadata: headers }))).length, 1);
      const { ms, result } = await timed(() => collect(impatient.watchNotifications({}, { metadata: headers, deadlineMs: 100 })));
      assert.equal(result.status, 'rejected');
      assert.equal(((result as PromiseRejectedResult).reason as RpcError).code, Code.DEADLINE_EXCEEDED);
      assert.ok(ms < 350, `gave up after ${ms} ms`);
    } finally {
      impatient.close();
    }
  });

  it('counts streams as server_stream in the RPC metrics', async () => {
    watch = async (_req, ctx) => ctx.send({ notification: notification('u-7', 1) });
    const labels = {
      grpc_service: 'shop.notifications.v1.NotificationsService',
      grpc_method: 'WatchNotifications',
      grpc_type: 'server_stream',
      grpc_code: 'OK',
    };
    const before = await metricValue('grpc_server_handled_total', labels);
    const clientBefore = await metricValue('grpc_client_handled_total', labels);
    await collect(client.watchNotifications({}, { metadata: await bearer('u-7', []) }));
    assert.equal(await metricValue('grpc_server_handled_total', labels), before + 1);
    assert.equal(await metricValue('grpc_client_handled_total', labels), clientBefore + 1);
  });

  it('ends open streams when the server drains, without waiting for the grace period', async () => {
    let ended = false;
    watch = async (_req, ctx) => {
      await ctx.send({ notification: notification('u-7', 1) });
      await sleep(60_000, ctx.signal);
      ended = true;
    };
    const received: unknown[] = [];
    const reading = (async () => {
      for await (const message of client.watchNotifications({}, { metadata: await bearer('u-7', []) })) received.push(message);
    })();
    await until('the first message', () => received.length === 1);
    const { ms } = await timed(() => running.server.shutdown('test'));
    assert.ok(ms < 2_000, `shutdown took ${ms} ms (grace is 5 s)`);
    await reading;
    assert.equal(ended, true);
    assert.equal(received.length, 1);
  });
});
