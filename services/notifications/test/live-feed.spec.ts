import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type Redis from 'ioredis';
import { openRedis } from '../../../platform/cache';
import { Code, RpcError } from '../../../platform/errors';
import { createLogger } from '../../../platform/logger';
import type { Notification } from '../../../gen/ts/shop/notifications/v1/notifications';
import { sleep, until } from '../../../test/support/poll';
import { createLiveFeed, type LiveFeed } from '../src/store/live-feed';
import { redisProbe } from './notifications-fixture';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A TCP hop in front of the real Redis whose connections a test can cut, as a network failure or a Redis restart would. */
async function redisHop() {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', drop);
      socket.on('close', drop);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: () => sockets.forEach((socket) => socket.destroy()),
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const aNotification = (userId: string, n: number): Notification => ({
  id: randomUUID(),
  userId,
  eventId: randomUUID(),
  eventType: 'shop.orders.v1.OrderPaid',
  title: 'Payment received',
  body: `payment ${n}`,
  createdAt: new Date(),
});

const rpcCode = async (pending: Promise<unknown>) => {
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof RpcError, `expected an RpcError, got ${String(error)}`);
  return Code[error.code];
};

describe('notifications: the live feed over Redis pub/sub', function () {
  this.timeout(20_000);
  const log = createLogger('live-feed-test', 'silent');
  let hop: Awaited<ReturnType<typeof redisHop>>;
  let publisher: Redis;
  let feed: LiveFeed;
  let probe: ReturnType<typeof redisProbe>;

  before(async () => {
    hop = await redisHop();
    publisher = openRedis(hop.url, log);
    feed = createLiveFeed(publisher, { log, maxPending: 3, readyTimeoutMs: 500 });
    probe = redisProbe(REDIS_URL);
  });

  after(async () => {
    await feed?.close();
    await publisher?.quit().catch(() => publisher.disconnect());
    await probe?.close();
    await hop?.close();
  });

  it('hands a watcher what is published for its user, in order, and ends quietly when the signal aborts', async () => {
    const userId = randomUUID();
    const stop = new AbortController();
    const watch = feed.watch(userId, stop.signal);
    const first = watch.next();
    await probe.untilSubscribers(userId, 1);
    const sent = [aNotification(userId, 1), aNotification(userId, 2)];
    for (const notification of sent) await feed.publish(notification);
    assert.deepEqual((await first).value, sent[0]);
    assert.deepEqual((await watch.next()).value, sent[1]);
    const pending = watch.next();
    stop.abort();
    assert.deepEqual(await pending, { done: true, value: undefined });
    await probe.untilSubscribers(userId, 0);
    assert.equal(feed.watchedUsers(), 0);
  });

  it('skips a message on the channel that does not decode, and keeps watching', async () => {
    const userId = randomUUID();
    const stop = new AbortController();
    const watch = feed.watch(userId, stop.signal);
    const next = watch.next();
    await probe.untilSubscribers(userId, 1);
    await probe.publish(userId, Buffer.from([0x0a, 0xff]));
    const good = aNotification(userId, 1);
    await feed.publish(good);
    assert.deepEqual((await next).value, good);
    await watch.return();
    await probe.untilSubscribers(userId, 0);
  });

  it('ends a watcher that leaves too much unread with RESOURCE_EXHAUSTED, after what it had', async () => {
    const userId = randomUUID();
    const watch = feed.watch(userId, new AbortController().signal);
    const first = watch.next();
    await probe.untilSubscribers(userId, 1);
    const sent = Array.from({ length: 6 }, (_, n) => aNotification(userId, n));
    await feed.publish(sent[0]);
    assert.deepEqual((await first).value, sent[0]);
    for (const notification of sent.slice(1)) await feed.publish(notification);
    // Nobody reads while the rest arrives (Redis has sent it once PUBLISH answered): three wait (maxPending), the fourth overflows.
    await sleep(100);
    const read: Notification[] = [];
    const code = await rpcCode(
      (async () => {
        for (let result = await watch.next(); !result.done; result = await watch.next()) read.push(result.value);
      })(),
    );
    assert.equal(code, 'RESOURCE_EXHAUSTED');
    assert.deepEqual(read, sent.slice(1, 4));
    await probe.untilSubscribers(userId, 0);
  });

  it('ends every watcher with UNAVAILABLE when the connection drops, and serves new watchers once it is back', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const watches = [feed.watch(alice, new AbortController().signal), feed.watch(bob, new AbortController().signal)];
    const nexts = watches.map((watch) => watch.next());
    await probe.untilSubscribers(alice, 1);
    await probe.untilSubscribers(bob, 1);

    hop.cut();
    assert.deepEqual(await Promise.all(nexts.map(rpcCode)), ['UNAVAILABLE', 'UNAVAILABLE']);
    assert.equal(feed.watchedUsers(), 0);

    // ioredis reconnects through the hop; a new watcher then subscribes afresh.
    await until('redis to answer through the hop again', async () => (await publisher.ping()) === 'PONG', { timeoutMs: 5_000 });
    const again = feed.watch(alice, new AbortController().signal);
    const next = again.next();
    await probe.untilSubscribers(alice, 1);
    const after = aNotification(alice, 1);
    await feed.publish(after);
    assert.deepEqual((await next).value, after);
    await again.return();
  });

  it('refuses a watcher with UNAVAILABLE when Redis cannot be reached', async () => {
    const unreachable = openRedis('redis://127.0.0.1:1', log);
    const deadFeed = createLiveFeed(unreachable, { log, readyTimeoutMs: 200 });
    try {
      const started = Date.now();
      assert.equal(await rpcCode(deadFeed.watch(randomUUID(), new AbortController().signal).next()), 'UNAVAILABLE');
      assert.ok(Date.now() - started < 2_000);
      // Publishing only costs the live copy: it does not throw.
      await deadFeed.publish(aNotification(randomUUID(), 1));
    } finally {
      await deadFeed.close();
      unreachable.disconnect();
    }
  });
});
