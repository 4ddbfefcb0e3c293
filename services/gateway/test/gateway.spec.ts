/**
 * The gateway over real sockets, in front of a fake gRPC upstream (HTTP/2,
 * served by connect-node from the same descriptor set): what the shared REST
 * suite (test/edge) cannot provoke against the real services — streams, an
 * upstream that fails on cue, retries, the rate limit with a tiny bucket,
 * shutdown with open streams.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary, type DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { loadConfig } from '../../../platform/config';
import { createLogger } from '../../../platform/logger';
import { gatewayConfig } from '../src/config';
import { loadContracts } from '../src/contracts';
import { startGateway, type RunningGateway } from '../src/gateway';
import { connectUpstream } from './connect-upstream';

const contracts = loadContracts();
const { registry } = contracts;
const service = (name: string) => contracts.services.find((s) => s.typeName === name) as DescService;
const Users = service('shop.users.v1.UsersService');
const Notifications = service('shop.notifications.v1.NotificationsService');

/** envoy/envoy.yaml with a 1000-byte transcoder body limit: the gateway follows whatever the file says. */
function smallBodyEnvoy(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gateway-envoy-')), 'envoy.yaml');
  const text = readFileSync(join(__dirname, '..', '..', '..', 'envoy', 'envoy.yaml'), 'utf8');
  assert.match(text, /max_request_body_size: 1048576/);
  writeFileSync(file, text.replace('max_request_body_size: 1048576', 'max_request_body_size: 1000'));
  return file;
}

/** The fake services read their scenario from the forwarded Authorization header. */
const scenario = (ctx: HandlerContext) => ctx.requestHeader.get('authorization')?.replace('Bearer ', '') ?? '';
const notification = (n: number) => ({ notification: { id: `n-${n}`, userId: 'u-1', title: `Order paid #${n}`, body: 'line 1\nline 2' } });
const json = async (response: Response): Promise<any> => response.json();
/** A sample of a metric with these labels, in whatever order prom-client prints them. */
const sample = (metrics: string, name: string, labels: Record<string, string>) =>
  metrics.split('\n').find((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)));
const until = (signal: AbortSignal) => new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));

function fakeUpstream() {
  const seen = { flaky: 0, registerCalls: 0, cancelled: 0 };
  const routes = (router: ConnectRouter) => {
    router.service(Users, {
      async getUser(request: { userId: string }, ctx: HandlerContext) {
        if (request.userId === 'flaky' && seen.flaky++ === 0) throw new ConnectError('warming up', Code.Unavailable);
        if (request.userId === 'slow') {
          await until(ctx.signal);
          seen.cancelled++;
          throw new ConnectError('cancelled', Code.Canceled);
        }
        if (request.userId === 'missing') {
          const badRequest = registry.getMessage('google.rpc.ResourceInfo')!;
          const error = new ConnectError('user missing not found', Code.NotFound);
          error.details.push({
            type: 'google.rpc.ResourceInfo',
            value: toBinary(badRequest, create(badRequest, { resourceType: 'user', resourceName: 'missing' } as never)),
          });
          throw error;
        }
        return { user: { id: request.userId, displayName: ctx.requestHeader.get('authorization') ?? 'anonymous', role: 1 } };
      },
      async register() {
        seen.registerCalls++;
        throw new ConnectError('down', Code.Unavailable);
      },
    } as never);
    router.service(Notifications, {
      async *watchNotifications(_request: unknown, ctx: HandlerContext) {
        ctx.signal.addEventListener('abort', () => seen.cancelled++, { once: true });
        switch (scenario(ctx)) {
          case 'deny':
            throw new ConnectError('authentication required', Code.Unauthenticated);
          case 'fail-after-one':
            yield notification(1);
            await new Promise((resolve) => setTimeout(resolve, 50));
            throw new ConnectError('broker gone', Code.Unavailable);
          case 'hang':
            yield notification(1);
            await until(ctx.signal);
            return;
          case 'silent':
            await new Promise((resolve) => setTimeout(resolve, 1_500));
            yield notification(1);
            return;
          default:
            yield notification(1);
            yield notification(2);
        }
      },
    } as never);
  };
  const server = connectUpstream(routes, registry);
  return { seen, listen: server.listenAddress, close: server.close };
}

describe('gateway over real sockets, in front of a fake gRPC upstream', function () {
  this.timeout(20_000);
  const upstream = fakeUpstream();
  const publicDir = mkdtempSync(join(tmpdir(), 'gateway-public-'));
  let gateway: RunningGateway;
  let base: string;
  let nextClient = 0;
  /** Each request comes from its own client address unless told otherwise (the rate limit trusts X-Forwarded-For here). */
  const call = (path: string, init: RequestInit & { client?: string } = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { 'x-forwarded-for': init.client ?? `10.1.0.${++nextClient % 250}`, ...(init.headers as Record<string, string>) },
    });

  before(async () => {
    writeFileSync(join(publicDir, 'index.html'), '<h1>storefront</h1>');
    const address = await upstream.listen();
    const config = loadConfig(gatewayConfig, {
      HTTP_PORT: '0',
      METRICS_PORT: '0',
      USERS_ADDRESSES: address,
      NOTIFICATIONS_ADDRESSES: address,
      ORDERS_ADDRESSES: '127.0.0.1:1',
      GATEWAY_RATE_LIMIT_RPS: '1',
      GATEWAY_RATE_LIMIT_BURST: '5',
      GATEWAY_TRUSTED_PROXY_HOPS: '1',
      GATEWAY_RATE_LIMIT_STORE: 'memory',
      GATEWAY_ENVOY_CONFIG: smallBodyEnvoy(),
      GATEWAY_PUBLIC_DIR: publicDir,
      SHUTDOWN_GRACE_MS: '3000',
    });
    gateway = await startGateway({ config, contracts, log: createLogger('gateway', 'silent') });
    base = gateway.url;
  });

  after(async () => {
    await gateway?.shutdown('test over');
    await upstream.close();
  });

  describe('server streaming (WatchNotifications)', () => {
    it('delivers each message as an SSE data line of proto3 JSON', async () => {
      const response = await call('/v1/notifications:watch', { headers: { authorization: 'Bearer ok' } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
      const frames = (await response.text()).split('\n\n').filter(Boolean);
      assert.equal(frames.length, 2);
      assert.deepEqual(JSON.parse(frames[0].replace(/^data: /, '')), {
        notification: { id: 'n-1', userId: 'u-1', eventId: '', eventType: '', title: 'Order paid #1', body: 'line 1\nline 2' },
      });
    });

    it('answers a stream that fails at once with its HTTP status and google.rpc.Status', async () => {
      const response = await call('/v1/notifications:watch', { headers: { authorization: 'Bearer deny' } });
      assert.equal(response.status, 401);
      assert.deepEqual(await response.json(), { code: 16, message: 'authentication required', details: [] });
    });

    it('ends a stream that fails later after the messages it got, as Envoy does over HTTP/1.1 (no trailers)', async () => {
      const response = await call('/v1/notifications:watch', { headers: { authorization: 'Bearer fail-after-one' } });
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.match(text, /^data: \{"notification"[^\n]*\}\n\n$/);
    });

    it('sends the headers of a quiet stream after a moment, and heartbeats keep it open', async () => {
      const started = Date.now();
      const response = await call('/v1/notifications:watch', { headers: { authorization: 'Bearer silent' } });
      assert.equal(response.status, 200);
      assert.ok(Date.now() - started < 1_450, 'headers before the first message');
      assert.match(await response.text(), /^data: /);
    });

    it('cancels the upstream call when the client goes away', async () => {
      const before = upstream.seen.cancelled;
      const abort = new AbortController();
      const response = await call('/v1/notifications:watch', { headers: { authorization: 'Bearer hang' }, signal: abort.signal });
      const reader = response.body!.getReader();
      await reader.read();
      abort.abort();
      const deadline = Date.now() + 3_000;
      while (upstream.seen.cancelled === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(upstream.seen.cancelled, before + 1);
    });
  });

  describe('unary calls', () => {
    it('cancel the upstream call when the client goes away before the answer', async () => {
      const before = upstream.seen.cancelled;
      const abort = new AbortController();
      const pending = call('/v1/users/slow', { signal: abort.signal }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      abort.abort();
      await pending;
      const deadline = Date.now() + 3_000;
      while (upstream.seen.cancelled === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(upstream.seen.cancelled, before + 1);
    });
  });

  describe('Connect and gRPC-Web, proxied generically from the descriptors', () => {
    it('serves Connect unary with JSON, forwarding Authorization', async () => {
      const response = await call('/shop.users.v1.UsersService/GetUser', {
        method: 'POST',
        // The header marks it as Connect: without it, a JSON POST is REST for the transcoder (404), as in Envoy.
        headers: { 'content-type': 'application/json', 'connect-protocol-version': '1', authorization: 'Bearer c1' },
        body: JSON.stringify({ userId: 'u-7' }),
      });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { user: { id: 'u-7', displayName: 'Bearer c1', role: 'ROLE_CUSTOMER' } });
    });

    it('keeps the upstream code and details in Connect errors', async () => {
      const client = createClient(Users, createConnectTransport({ baseUrl: base, httpVersion: '1.1' }));
      const error = await (client as any).getUser({ userId: 'missing' }).catch((e: unknown) => ConnectError.from(e));
      assert.equal(error.code, Code.NotFound);
      assert.equal(error.details[0].type, 'google.rpc.ResourceInfo');
    });

    it('serves gRPC-Web unary and server streaming', async () => {
      const transport = createGrpcWebTransport({ baseUrl: base, httpVersion: '1.1' });
      const users = createClient(Users, transport) as any;
      assert.equal((await users.getUser({ userId: 'u-9' })).user.id, 'u-9');
      const notifications = createClient(Notifications, transport) as any;
      const received: string[] = [];
      for await (const message of notifications.watchNotifications({}, { headers: { authorization: 'Bearer ok' } })) received.push(message.notification.id);
      assert.deepEqual(received, ['n-1', 'n-2']);
    });

    it('does not expose methods without an HTTP annotation (internal RPCs)', async () => {
      const response = await call('/shop.registry.v1.RegistryService/Heartbeat', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'connect-protocol-version': '1' },
        body: '{}',
      });
      assert.equal((await json(response)).code, 'unimplemented');
    });
  });

  describe('upstream calls', () => {
    it("retries an idempotent GET answered UNAVAILABLE, like Envoy's retry_on: unavailable", async () => {
      const response = await call('/v1/users/flaky');
      assert.equal(response.status, 200);
      assert.equal(upstream.seen.flaky, 2);
    });

    it('never retries a POST', async () => {
      const response = await call('/v1/users', { method: 'POST', body: '{}' });
      assert.equal(response.status, 503);
      assert.equal(upstream.seen.registerCalls, 1);
    });

    it('renders upstream error details into the google.rpc.Status body', async () => {
      const response = await call('/v1/users/missing');
      assert.equal(response.status, 404);
      assert.deepEqual(await response.json(), {
        code: 5,
        message: 'user missing not found',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ResourceInfo', resourceType: 'user', resourceName: 'missing', owner: '', description: '' }],
      });
    });

    it('answers 503 for a service that is down and for one that is not configured', async () => {
      const down = await call('/v1/orders');
      assert.equal(down.status, 503);
      assert.equal((await json(down)).code, 14);
      const unconfigured = await call('/v1/orders/o-1/payment');
      assert.equal(unconfigured.status, 503);
      assert.match((await json(unconfigured)).message, /PaymentsService is unavailable/);
    });
  });

  describe('protection', () => {
    it('limits each client to its bucket, answering 429 with Retry-After and a JSON status', async () => {
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < 7; i++) {
        const response = await call('/v1/users/u-1', { client: '10.9.9.9' });
        statuses.push(response.status);
        if (response.status === 429) limited = response;
        else await response.arrayBuffer();
      }
      assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
      assert.equal(statuses[5], 429);
      assert.equal(limited!.headers.get('retry-after'), '1');
      // Envoy's local_ratelimit reply, shaped by envoy.yaml's local_reply_config.
      assert.deepEqual(await limited!.json(), { code: 8, message: 'local_rate_limited' });
      assert.equal((await call('/v1/users/u-1', { client: '10.9.9.10' })).status, 200, 'another client is not limited');
    });

    it('refuses bodies over the limit with 413, declared or streamed, and keeps serving', async () => {
      const declared = await call('/v1/users', { method: 'POST', body: 'x'.repeat(2_000) });
      assert.equal(declared.status, 413);
      assert.equal((await json(declared)).code, 8);
      const streamed = await call('/v1/users', {
        method: 'POST',
        body: new ReadableStream({
          start(c) {
            for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode('y'.repeat(100)));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      assert.equal(streamed.status, 413);
      assert.equal((await call('/v1/users/u-1')).status, 200);
    });

    it('answers garbage with 4xx JSON, never a 500', async () => {
      for (const [path, init, status] of [
        ['/v1/users/%E0%A4%A', {}, 200],
        ['/v1/users', { method: 'POST', body: '{"email": [' }, 400],
        ['/v1/users', { method: 'POST', body: '"just a string"' }, 400],
        ['/v1/name-suggestions?count=1e400', {}, 400],
        ['/nowhere', {}, 404],
        ['/v1/users', { method: 'DELETE' }, 404],
      ] as [string, RequestInit, number][]) {
        const response = await call(path, init);
        assert.equal(response.status, status, `${init.method ?? 'GET'} ${path}`);
        assert.match(response.headers.get('content-type')!, /json/);
        await response.arrayBuffer();
      }
    });

    it('answers CORS preflights for other origins', async () => {
      const response = await call('/v1/products', { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' } });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.match(response.headers.get('access-control-allow-headers')!, /connect-protocol-version/);
    });
  });

  describe('what else the port serves', () => {
    it('serves the storefront folder at /, and /docs, /openapi.json, /healthz', async () => {
      assert.equal(await (await call('/')).text(), '<h1>storefront</h1>');
      assert.equal((await call('/../../etc/passwd')).status, 404);
      assert.match(await (await call('/docs')).text(), /swagger-ui-bundle\.js/);
      assert.match((await call('/docs/swagger-ui-bundle.js')).headers.get('content-type')!, /javascript/);
      assert.equal((await call('/docs/package.json')).status, 404);
      assert.equal((await json(await call('/openapi.json'))).openapi, '3.1.0');
      assert.deepEqual(await json(await call('/healthz')), { status: 'ok' });
    });

    it('counts requests by route template, method and status on the status port', async () => {
      await call('/v1/users/u-42');
      const metrics = await (await fetch(`http://127.0.0.1:${gateway.metricsPort}/metrics`)).text();
      assert.ok(sample(metrics, 'http_requests_total', { route: '/v1/users/{user_id}', method: 'GET', status: '200', service: 'gateway' }));
      assert.ok(sample(metrics, 'http_request_duration_seconds_count', { route: '/v1/users/{user_id}', method: 'GET' }));
      assert.equal(sample(metrics, 'http_requests_total', { route: 'static', status: '200' })?.split(' ').pop(), '1');
      assert.doesNotMatch(metrics, /u-42/);
      const health = await json(await fetch(`http://127.0.0.1:${gateway.metricsPort}/healthz`));
      assert.deepEqual(
        health.checks.map((c: any) => [c.name, c.critical]),
        [
          ['notifications', false],
          ['orders', false],
          ['users', false],
        ],
      );
    });
  });

  describe('shutdown', () => {
    it('ends open streams and stops within the grace period', async () => {
      const response = await call('/v1/notifications:watch', { headers: { authorization: 'Bearer hang' } });
      const body = response.text();
      const started = Date.now();
      await gateway.shutdown('test');
      assert.ok(Date.now() - started < 2_500, `shutdown took ${Date.now() - started} ms`);
      assert.match(await body, /^data: /);
    });
  });
});
