import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createClient, type CallOptions } from '../../platform/client';
import { RpcError } from '../../platform/errors';
import { CatalogServiceService } from '../../gen/ts/shop/catalog/v1/catalog';
import { OrdersServiceService, OrderStatus } from '../../gen/ts/shop/orders/v1/orders';
import { UsersServiceService } from '../../gen/ts/shop/users/v1/users';
import { SERVICES } from '../../services/manifest';
import { dropDatabases } from '../support/databases';
import { until } from '../support/poll';
import { launchPlatform, type LaunchedPlatform } from '../support/platform';
import { startPrometheus } from './support/prometheus';
import { SpanKind, StatusCode, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';
import { describeTrace, traceEdges } from './support/trace-edges';
import { freePort } from '../../bench/lib/service-process';

/** PORT_OFFSET of this suite's own copy (the shared end-to-end copy runs on 11000; see test/support/platform.ts). */
const TRACES_PORT_OFFSET = 12000;
const running = new Set(SERVICES.map((s) => s.name));

/** A W3C trace context the test starts, as a caller with its own tracing would send it. */
function callerContext() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/**
 * The hops of one paid order, for the services the manifest runs: the order
 * flow of orders, users, catalog and payments, plus notifications and
 * recommendations when they are part of the platform.
 */
function expectedOrderEdges(entry: string): string[] {
  const edges = [
    `${entry} → orders: shop.orders.v1.OrdersService/CreateOrder`,
    'orders → users: shop.users.v1.UsersService/GetUser',
    'orders → catalog: shop.catalog.v1.CatalogService/BatchGetProducts',
    'orders → kafka: shop.orders.v1.OrderCreated',
    'kafka → payments: shop.orders.v1.OrderCreated',
    'payments → kafka: shop.payments.v1.PaymentSucceeded',
    'kafka → orders: shop.payments.v1.PaymentSucceeded',
    'orders → kafka: shop.orders.v1.OrderPaid',
  ];
  if (running.has('notifications')) {
    edges.push('kafka → notifications: shop.orders.v1.OrderCreated', 'kafka → notifications: shop.orders.v1.OrderPaid');
  }
  if (running.has('recommendations')) edges.push('kafka → recommendations: shop.orders.v1.OrderCreated');
  return edges;
}

const missing = (expected: string[], actual: string[]) => expected.filter((edge) => !actual.includes(edge));

describe('traces: one order is one trace across gRPC and Kafka', function () {
  this.timeout(180_000);
  let receiver: OtlpReceiver;
  let platform: LaunchedPlatform;
  let users: ReturnType<typeof createClient<typeof UsersServiceService>>;
  let catalog: ReturnType<typeof createClient<typeof CatalogServiceService>>;
  let orders: ReturnType<typeof createClient<typeof OrdersServiceService>>;
  let token: string;
  let productId: string;

  const withTrace = (traceparent: string, extra: CallOptions = {}): CallOptions => ({
    ...extra,
    metadata: { ...extra.metadata, authorization: `Bearer ${token}`, traceparent },
  });

  /** The spans of a trace once `done` holds for them; fails with the trace drawn out if it never does. */
  async function traceWhere(traceId: string, what: string, done: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
    try {
      return await until(
        what,
        () => {
          const spans = receiver.trace(traceId);
          return done(spans) && spans;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    } catch (error) {
      const spans = receiver.trace(traceId);
      assert.fail(`${(error as Error).message}\nedges so far:\n  ${traceEdges(spans).join('\n  ')}\ntrace:\n${describeTrace(spans)}`);
    }
  }

  before(async () => {
    receiver = await startOtlpReceiver();
    platform = await launchPlatform({
      name: 'traces',
      portOffset: TRACES_PORT_OFFSET,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        // Export within a fraction of a second instead of the default 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '200',
        // Off by default (they cost more than the rest of the trace); switched on here to check the switch.
        OTEL_TRACE_DB_STATEMENTS: 'true',
        // Every line a service writes at info, so the privacy check below reads them all.
        LOG_LEVEL: 'info',
      },
    });
    users = createClient(UsersServiceService, { addresses: [platform.address('users')], deadlineMs: 10_000 });
    catalog = createClient(CatalogServiceService, { addresses: [platform.address('catalog')], deadlineMs: 10_000 });
    orders = createClient(OrdersServiceService, { addresses: [platform.address('orders')], deadlineMs: 10_000 });

    const email = `traces-${randomUUID().slice(0, 8)}@example.com`;
    const password = 'correct horse battery';
    await users.register({ email, password, displayName: 'Trace Shopper', phone: '', address: '' });
    ({ accessToken: token } = await users.login({ email, password }));
    const { products } = await catalog.listProducts({ pageSize: 20, pageToken: '', category: '', query: '' });
    productId = products.find((p) => p.stock > 50)!.id;
  });

  after(async () => {
    for (const client of [users, catalog, orders]) client?.close();
    await platform?.stop();
    await receiver?.close();
  });

  it('follows a paid order from the caller through orders, users, catalog, Kafka, payments and notifications', async () => {
    const caller = callerContext();
    const { order } = await orders.createOrder(
      { idempotencyKey: randomUUID(), paymentToken: 'tok_visa', items: [{ productId, quantity: 1 }] },
      withTrace(caller.traceparent),
    );
    await until(
      'the order to be paid',
      async () => (await orders.getOrder({ orderId: order!.id }, withTrace(callerContext().traceparent))).order!.status === OrderStatus.ORDER_STATUS_PAID,
      { timeoutMs: 30_000, intervalMs: 100 },
    );

    // One tree under the caller's span: every span's parent is in the trace, none hangs loose
    // (a span still open when its children were exported arrives a moment later).
    const loose = (spans: ReceivedSpan[]) => {
      const ids = new Set(spans.map((s) => s.spanId));
      return spans.filter((s) => s.parentSpanId !== caller.spanId && !ids.has(s.parentSpanId!)).map((s) => `${s.service} ${s.name}`);
    };
    const expected = expectedOrderEdges('client');
    const spans = await traceWhere(
      caller.traceId,
      `the edges of order ${order!.id}, in one tree`,
      (s) => missing(expected, traceEdges(s)).length === 0 && loose(s).length === 0,
    );
    assert.deepEqual(missing(expected, traceEdges(spans)), []);
    assert.deepEqual(loose(spans), []);
    const roots = spans.filter((s) => s.parentSpanId === caller.spanId);
    assert.deepEqual(
      roots.map((s) => `${s.service} ${s.name}`),
      ['orders grpc.shop.orders.v1.OrdersService/CreateOrder'],
    );
    const services = new Set(spans.map((s) => s.service));
    for (const service of ['orders', 'users', 'catalog', 'payments', ...(running.has('notifications') ? ['notifications'] : [])]) {
      assert.ok(services.has(service), `${service} is in the trace`);
    }
  });

  it('names RPC spans with rpc.* and event spans with messaging.* attributes, with the right kinds', async () => {
    const caller = callerContext();
    const { order } = await orders.createOrder(
      { idempotencyKey: randomUUID(), paymentToken: 'tok_visa', items: [{ productId, quantity: 2 }] },
      withTrace(caller.traceparent),
    );
    const expected = expectedOrderEdges('client');
    const spans = await traceWhere(caller.traceId, `the hops of order ${order!.id}`, (s) => missing(expected, traceEdges(s)).length === 0);

    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.service === 'orders')!;
    assert.deepEqual(
      [server.attributes['rpc.system'], server.attributes['rpc.service'], server.attributes['rpc.method'], server.attributes['rpc.grpc.status_code']],
      ['grpc', 'shop.orders.v1.OrdersService', 'CreateOrder', 0],
    );
    const call = spans.find((s) => s.kind === SpanKind.CLIENT && s.attributes['rpc.method'] === 'GetUser');
    assert.ok(call, 'orders calls users with a CLIENT span');
    assert.deepEqual([call.service, call.attributes['rpc.system'], call.attributes['rpc.service']], ['orders', 'grpc', 'shop.users.v1.UsersService']);
    const callee = spans.find((s) => s.parentSpanId === call.spanId)!;
    assert.deepEqual([callee.service, callee.kind, callee.attributes['rpc.method']], ['users', SpanKind.SERVER, 'GetUser']);

    const topic = `${platform.topicPrefix}shop.orders.v1.events`;
    const produced = spans.find((s) => s.kind === SpanKind.PRODUCER && s.attributes['cloudevents.event_type'] === 'shop.orders.v1.OrderCreated');
    assert.ok(produced, 'orders produces OrderCreated with a PRODUCER span');
    assert.equal(produced.parentSpanId, server.spanId, 'the producer span continues the request that wrote the event');
    assert.equal(produced.name, `send ${topic}`);
    assert.deepEqual(
      [
        produced.attributes['messaging.system'],
        produced.attributes['messaging.destination.name'],
        produced.attributes['messaging.operation.type'],
        produced.attributes['messaging.kafka.message.key'],
      ],
      ['kafka', topic, 'send', order!.id],
    );
    assert.match(String(produced.attributes['messaging.message.id']), /^[0-9a-f-]{36}$/);

    const consumed = spans.find((s) => s.kind === SpanKind.CONSUMER && s.service === 'payments' && s.parentSpanId === produced.spanId);
    assert.ok(consumed, 'payments consumes OrderCreated with a CONSUMER span, child of the producer span');
    assert.equal(consumed.name, `process ${topic}`);
    assert.deepEqual(
      [
        consumed.attributes['messaging.system'],
        consumed.attributes['messaging.destination.name'],
        consumed.attributes['messaging.operation.type'],
        consumed.attributes['messaging.consumer.group.name'],
      ],
      ['kafka', topic, 'process', 'payments-traces'],
    );
    assert.equal(consumed.attributes['messaging.message.id'], produced.attributes['messaging.message.id']);
    assert.ok(
      spans.some((s) => s.parentSpanId === consumed.spanId && s.attributes['db.system.name'] === 'mysql'),
      "with OTEL_TRACE_DB_STATEMENTS=true, the handler's queries are children of the consumer span",
    );
  });

  it('marks a failed call ERROR with its gRPC status code, on the server and downstream', async () => {
    const caller = callerContext();
    await assert.rejects(
      orders.createOrder(
        { idempotencyKey: randomUUID(), paymentToken: 'tok_visa', items: [{ productId: randomUUID(), quantity: 1 }] },
        withTrace(caller.traceparent),
      ),
      (error: unknown) => error instanceof RpcError,
    );
    const spans = await traceWhere(
      caller.traceId,
      'the failed CreateOrder',
      (s) => s.some((x) => x.kind === SpanKind.SERVER && x.service === 'orders') && s.some((x) => x.kind === SpanKind.SERVER && x.service === 'catalog'),
    );
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.service === 'orders')!;
    assert.equal(server.status.code, StatusCode.ERROR, describeTrace(spans));
    assert.notEqual(server.attributes['rpc.grpc.status_code'], 0);
    const lookup = spans.find((s) => s.kind === SpanKind.SERVER && s.service === 'catalog')!;
    assert.equal(lookup.status.code, StatusCode.ERROR, 'the catalog lookup of an unknown product failed');
    assert.equal(lookup.attributes['rpc.grpc.status_code'], 5, 'NOT_FOUND');
    assert.ok(!spans.some((s) => s.kind === SpanKind.PRODUCER), 'a refused order emits no event');
  });

  it('puts the trace id of a recent call on the latency histogram as an exemplar (OpenMetrics only)', async () => {
    const caller = callerContext();
    await orders.listOrders({ pageSize: 5, pageToken: '' }, withTrace(caller.traceparent));
    const openMetrics = await fetch(`${platform.metrics('orders')}/metrics`, {
      headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    });
    assert.match(openMetrics.headers.get('content-type') ?? '', /^application\/openmetrics-text/);
    const body = await openMetrics.text();
    const exemplars = body
      .split('\n')
      .filter((line) => line.startsWith('grpc_server_handling_seconds_bucket{') && line.includes('grpc_method="ListOrders"') && line.includes(' # {'));
    assert.ok(
      exemplars.some((line) => line.includes(`trace_id="${caller.traceId}"`)),
      `no exemplar of trace ${caller.traceId} in:\n${exemplars.join('\n')}`,
    );
    assert.ok(body.endsWith('# EOF\n'));

    const text = await (await fetch(`${platform.metrics('orders')}/metrics`)).text();
    assert.ok(!text.includes('trace_id='), 'the text format has no exemplars');
    assert.match(text, /^grpc_server_handled_total\{/m, 'counters keep their _total name in the text format');
  });

  it('lets Prometheus scrape OpenMetrics and keep the exemplar, so a latency panel links to the trace', async () => {
    const prometheus = await startPrometheus({
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [
        {
          job_name: 'shopmesh',
          honor_labels: true,
          static_configs: [{ targets: [platform.metrics('orders').replace('http://', '')], labels: { service: 'orders' } }],
        },
      ],
    });
    try {
      const caller = callerContext();
      await orders.listOrders({ pageSize: 5, pageToken: '' }, withTrace(caller.traceparent));
      const stored = await until(
        'Prometheus to store the exemplar of the call',
        async () => {
          const series = await prometheus.exemplars('grpc_server_handling_seconds_bucket{grpc_method="ListOrders"}');
          return series.flatMap((s) => s.exemplars).find((e) => e.labels.trace_id === caller.traceId);
        },
        { timeoutMs: 15_000, intervalMs: 250 },
      );
      assert.match(stored.labels.span_id, /^[0-9a-f]{16}$/);
    } finally {
      await prometheus.stop();
    }
  });

  it('carries no personal data or secret in any span or log line: register, login, profile update, a failing insert, an order', async () => {
    const mark = randomUUID().slice(0, 8);
    const secrets = {
      email: `privacy-${mark}@example.com`,
      password: `pw-${mark}-correct-horse`,
      phone: `+49 30 ${mark.replace(/\D/g, '').padEnd(6, '7')}`,
      address: `${mark} Privacy Street 1`,
      newAddress: `${mark} Moved Lane 2`,
      paymentToken: 'tok_visa',
    };
    const logsBefore = platform.output().length;
    const spansBefore = receiver.spans().length;
    const { user } = await users.register({
      email: secrets.email,
      password: secrets.password,
      displayName: 'Privacy',
      phone: secrets.phone,
      address: secrets.address,
    });
    const { accessToken } = await users.login({ email: secrets.email, password: secrets.password });
    const auth = { metadata: { authorization: `Bearer ${accessToken}` } };
    await users.updateProfile({ address: secrets.newAddress }, auth);
    // The failing insert: the same email again (a duplicate key in MariaDB).
    await assert.rejects(
      users.register({ email: secrets.email, password: secrets.password, displayName: 'Again', phone: secrets.phone, address: secrets.address }),
    );
    await assert.rejects(users.login({ email: secrets.email, password: `${secrets.password}-wrong` }));
    const { order } = await orders.createOrder({ idempotencyKey: randomUUID(), paymentToken: secrets.paymentToken, items: [{ productId, quantity: 1 }] }, auth);
    // The order is paid (so payments has charged with the token) before the spans are read.
    await until('the order to be paid', async () => (await orders.getOrder({ orderId: order!.id }, auth)).order?.status === OrderStatus.ORDER_STATUS_PAID, {
      timeoutMs: 30_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const spans = receiver.spans().slice(spansBefore);
    assert.ok(
      spans.some((span) => span.attributes['rpc.method'] === 'Register'),
      'the register call was traced',
    );
    const logs = platform.output().slice(logsBefore);
    assert.ok(logs.length > 0, 'the services logged during the calls');
    const texts = [...spans.map((span) => JSON.stringify(span)), logs];
    const leaks = Object.entries({ ...secrets, accessToken }).flatMap(([what, value]) => (texts.some((text) => text.includes(value)) ? [what] : []));
    assert.deepEqual(leaks, [], `found in spans or logs: ${leaks.join(', ')}`);
    assert.ok(user!.id);
  });

  it('starts the trace at the edge for a REST order and continues it into orders', async function () {
    if (!platform.edge) this.skip();
    const caller = callerContext();
    const response = await fetch(`${platform.edge}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent: caller.traceparent },
      body: JSON.stringify({ idempotencyKey: randomUUID(), paymentToken: 'tok_visa', items: [{ productId, quantity: 1 }] }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const gateway = SERVICES.find((s) => s.kind === 'http')!.name;
    const expected = [`client → ${gateway}: HTTP POST`, ...expectedOrderEdges(gateway)];
    const spans = await traceWhere(caller.traceId, 'the REST order', (s) => missing(expected, traceEdges(s)).length === 0);
    assert.deepEqual(missing(expected, traceEdges(spans)), []);
  });
});

describe('traces: a stopped service exports what it still buffers', function () {
  this.timeout(60_000);
  const database = 'traces_flush_users';
  const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

  after(() => dropDatabases(mysqlUrl, [database]));

  it('flushes its spans on SIGTERM, though the exporter was not due for a minute', async () => {
    const receiver = await startOtlpReceiver();
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '--require', './platform/telemetry.ts', 'services/users/src/main.ts'], {
      cwd: join(__dirname, '..', '..'),
      env: {
        ...process.env,
        GRPC_PORT: String(grpcPort),
        METRICS_PORT: String(metricsPort),
        USERS_DB_NAME: database,
        LOG_LEVEL: 'warn',
        REGISTRY_ADDRESSES: '',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'users',
        OTEL_BSP_SCHEDULE_DELAY: '60000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await until(
        'users to serve',
        () =>
          fetch(`http://127.0.0.1:${metricsPort}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        { timeoutMs: 30_000, intervalMs: 200 },
      ).catch((error) => assert.fail(`${error.message}\n${output}`));
      const users = createClient(UsersServiceService, { addresses: [`127.0.0.1:${grpcPort}`], deadlineMs: 5_000 });
      const caller = callerContext();
      await users.suggestNames({ count: 1 }, { metadata: { traceparent: caller.traceparent } });
      users.close();
      assert.deepEqual(receiver.trace(caller.traceId), [], 'nothing exported yet');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      const [span] = receiver.trace(caller.traceId);
      assert.equal(
        span?.name,
        'grpc.shop.users.v1.UsersService/SuggestNames',
        `spans received: ${receiver
          .spans()
          .map((s) => s.name)
          .join(', ')}`,
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await receiver.close();
    }
  });
});
