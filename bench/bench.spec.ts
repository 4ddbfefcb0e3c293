/**
 * Every benchmark, the load generator and the test-data generator, run for a
 * moment against real components (users, catalog, orders, payments,
 * notifications and the gateway in this process, on fresh databases, the real
 * Redis and Kafka). They pin the shape of what each one reports, never how
 * fast anything is.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { catalogService } from '../services/catalog/src/service';
import { gatewayConfig } from '../services/gateway/src/config';
import { loadContracts } from '../services/gateway/src/contracts';
import { startGateway, type RunningGateway } from '../services/gateway/src/gateway';
import { notificationsService } from '../services/notifications/src/service';
import { startMesh, type Mesh } from '../test/support/mesh';
import { startServiceUnderTest, type ServiceUnderTest } from '../test/support/service-under-test';
import { startEchoServer } from './fixtures/echo-server';
import { freePort } from './lib/service-process';
import { rssSampler } from './lib/proc-stats';
import { silentProgress } from './lib/progress';
import { renderScenario } from './lib/report';
import type { BenchSettings, ScenarioResult, VariantResult } from './lib/scenario';
import { createLoadStats } from './load/load-stats';
import { runLoad } from './load/load-run';
import { DEFAULT_MIX } from './load/shopper-actions';
import { cachedReadScenario } from './scenarios/cached-read';
import { edgeReadScenario } from './scenarios/edge-read';
import { memoryScenario, rssSnapshot } from './scenarios/memory';
import { orderPipelineScenario } from './scenarios/order-pipeline';
import { echoReply, unaryCallScenario } from './scenarios/unary-call';
import { seedShop } from './seed/seed-shop';
import { grpcShopApi } from './shop-api/grpc-shop';
import { restShopApi } from './shop-api/rest-shop';
import { allProducts, type ShopApi } from './shop-api/shop-api';
import { grantAdmin } from '../test/support/admins';

const settings: BenchSettings = { concurrency: 4, warmupMs: 150, durationMs: 400, rounds: 1, progress: silentProgress };
const finite = (value: number, what: string) => assert.ok(Number.isFinite(value), `${what} is ${value}`);

function assertMeasured(variant: VariantResult): void {
  assert.ok(variant.ops > 0, `${variant.name}: no operation completed (${variant.firstError ?? 'no error'})`);
  assert.equal(variant.errors, 0, `${variant.name}: ${variant.firstError}`);
  finite(variant.throughput, `${variant.name} throughput`);
  for (const value of [variant.latency.p50Ms, variant.latency.p99Ms]) finite(value, `${variant.name} latency`);
  assert.ok(variant.latency.p50Ms <= variant.latency.p99Ms);
}

function assertShape(result: ScenarioResult): void {
  assert.equal(result.skipped, undefined, result.skipped);
  assert.ok(Object.keys(result.figures).length > 0);
  for (const [name, value] of Object.entries(result.figures)) finite(value, name);
  assert.ok(renderScenario(result).includes(result.title));
}

describe('benchmarks, load and seed data', function () {
  this.timeout(120_000);
  let mesh: Mesh;
  let notifications: ServiceUnderTest<typeof notificationsService>;
  let withoutRedis: ServiceUnderTest<typeof catalogService>;
  let gateway: RunningGateway;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  const run = randomUUID().slice(0, 8);
  const self = process.pid;

  before(async () => {
    mesh = await startMesh();
    notifications = await startServiceUnderTest(notificationsService);
    const catalogDb = mesh.databases.find((name) => name.includes('catalog'))!;
    withoutRedis = await startServiceUnderTest(catalogService, {
      overrides: { CATALOG_DB_NAME: catalogDb, REDIS_URL: `redis://127.0.0.1:${await freePort()}` },
    });
    const log = createLogger('gateway', 'silent');
    gateway = await startGateway({
      log,
      contracts: loadContracts(),
      config: loadConfig(gatewayConfig, {
        HTTP_PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'silent',
        GATEWAY_RATE_LIMIT_RPS: '0',
        USERS_ADDRESSES: mesh.services.users.address,
        CATALOG_ADDRESSES: mesh.services.catalog.address,
        ORDERS_ADDRESSES: mesh.services.orders.address,
        NOTIFICATIONS_ADDRESSES: notifications.address,
      }),
    });
    echo = await startEchoServer(0, echoReply());
  });

  after(async () => {
    await echo?.stop();
    await gateway?.shutdown('test done');
    await withoutRedis?.stop();
    await notifications?.stop();
    await mesh?.stop();
  });

  const grpcAddresses = () => ({
    users: mesh.services.users.address,
    catalog: mesh.services.catalog.address,
    orders: mesh.services.orders.address,
    notifications: notifications.address,
  });

  it('unary call: bare grpc-js, the platform, without tracing and with a token, side by side', async () => {
    const { auth } = await mesh.shopper();
    const token = auth.metadata!.authorization.replace('Bearer ', '');
    const result = await unaryCallScenario(
      {
        echo: { address: echo.address, pid: self },
        users: { address: mesh.services.users.address, pid: self },
        usersWithoutTracing: { address: mesh.services.users.address, pid: self },
        token,
      },
      settings,
    );
    assertShape(result);
    assert.deepEqual(
      result.variants.map((v) => v.baseline),
      [true, false, false, false],
    );
    result.variants.forEach(assertMeasured);
    for (const variant of result.variants) finite(variant.serverCpuUsPerOp!, `${variant.name} CPU per call`);
  });

  it('cached read: hits, misses and a catalog without Redis are what the catalog counted', async () => {
    const result = await cachedReadScenario(
      {
        catalog: {
          address: mesh.services.catalog.address,
          metricsUrl: `http://127.0.0.1:${mesh.services.catalog.metricsPort}`,
          cacheNamespace: mesh.databases.find((name) => name.includes('catalog'))!,
        },
        catalogWithoutRedis: { address: withoutRedis.address, metricsUrl: `http://127.0.0.1:${withoutRedis.service.metricsPort}` },
        redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      },
      settings,
    );
    assertShape(result);
    assert.deepEqual(
      result.variants.map((v) => v.name),
      ['plain Redis GET (ioredis)', 'GetProduct, cache hit', 'GetProduct, cache miss', 'GetProduct, Redis unreachable'],
    );
    result.variants.forEach(assertMeasured);
    const observed = (name: string) => result.variants.find((v) => v.name === name)!.extra!.observed as Record<string, number>;
    assert.equal(observed('GetProduct, cache miss').hit, 0);
    assert.ok(observed('GetProduct, cache miss').miss > 0);
    assert.ok(observed('GetProduct, cache hit').hit > 0);
    assert.ok(observed('GetProduct, Redis unreachable').error > 0);
  });

  it('edge cost: REST through the gateway beside direct gRPC, or skipped with a note when there is no gateway', async () => {
    const result = await edgeReadScenario({ gateway: { url: gateway.url }, catalog: { address: mesh.services.catalog.address } }, settings);
    assertShape(result);
    result.variants.forEach(assertMeasured);
    const skipped = await edgeReadScenario({ catalog: { address: mesh.services.catalog.address } }, settings);
    assert.match(skipped.skipped ?? '', /no gateway/);
  });

  it('order pipeline: orders end to end at the OrderPaid notification, beside raw Kafka', async () => {
    const result = await orderPipelineScenario(
      {
        grpc: grpcAddresses(),
        kafka: { brokers: mesh.ordersConfig.KAFKA_BROKERS, topicPrefix: mesh.ordersConfig.KAFKA_TOPIC_PREFIX, groupPrefix: `bench-test-${run}-` },
        usersDatabase: mesh.databases.find((name) => name.startsWith('test_users_'))!,
        mysqlUrl: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
        metricsUrls: [],
        openLoop: { ratePerSecond: 4, durationMs: 1_500 },
        processes: { 'this process': self },
      },
      { ...settings, concurrency: 2, durationMs: 1_000 },
    );
    assertShape(result);
    const [produce, pipeline, consume, open] = result.variants;
    assert.match(pipeline.name, /notification/);
    [produce, pipeline].forEach(assertMeasured);
    finite(pipeline.parts!.CreateOrder.p50Ms, 'CreateOrder p50');
    assert.equal(consume.errors, 0, 'every raw message produced was consumed');
    assert.match(open.name, /open loop: 4 orders\/s/);
    assert.equal(open.ops + open.errors, 6, 'every arrival of the open loop was sent and answered');
    finite(result.figures['open loop 4/s: p99 ms'], 'open-loop p99');
    assert.ok(result.figures['open loop 4/s: consumer lag at the end'] >= 0, 'the consumer lag was read');
    const observed = pipeline.extra!.observed as Record<string, number>;
    assert.ok(observed.sqlStatements > 0, "MariaDB's statement counter was read");
  });

  it('memory: RSS idle and sampled under load, per process', () => {
    const sampler = rssSampler({ 'this process': self }, 10);
    const result = memoryScenario({ idle: rssSnapshot({ 'this process': self }), underLoad: sampler.stop(), idleCpuPercent: { 'this process': 1 } });
    assertShape(result);
    assert.deepEqual(
      result.table!.rows.map((row) => row[0]),
      ['this process', 'platform total'],
    );
    assert.ok(Number(result.table!.rows[0][1]) > 0);
  });

  for (const surface of ['grpc', 'rest'] as const) {
    it(`load: shoppers over ${surface} at a rate, then as virtual users, stopping by themselves`, async () => {
      const api: ShopApi = surface === 'grpc' ? grpcShopApi(grpcAddresses()) : restShopApi(gateway.url);
      try {
        const shop = { categories: await api.listCategories(), products: await allProducts(api) };
        for (const shape of [
          { kind: 'rate', perSecond: 40 },
          { kind: 'vus', count: 3, thinkMs: 20 },
        ] as const) {
          const stats = createLoadStats();
          const result = await runLoad({ api, shop, mix: DEFAULT_MIX, shape, durationMs: 1_000, maxInFlight: 100, runId: run, stats });
          const summary = stats.summary();
          assert.ok(result.actions > 0 && summary.total > 0);
          assert.equal(summary.errors, 0, JSON.stringify(summary.errorSamples));
          assert.ok(Object.keys(summary.requests).includes('register'), 'new shoppers sign up');
          finite(summary.latency.p99Ms, 'p99');
          assert.equal(result.unfinished, 0);
        }
      } finally {
        api.close();
      }
    });
  }

  it('seed data: users, products and orders through the public API, with fresh emails on every run', async () => {
    const api = restShopApi(gateway.url);
    try {
      // Registration never makes an admin: an operator grants it (npm run admin), here the fixture.
      const admin = { email: `seed-admin-${run}@example.com`, password: 'seed-admin-password' };
      await mesh.users.register({ ...admin, displayName: 'Seed Admin', phone: '', address: '' });
      await grantAdmin(mesh.databases.find((name) => name.includes('users'))!, admin.email, 'bench.spec');
      const request = { users: 2, products: 2, orders: 3, concurrency: 2, admin };
      const first = await seedShop(api, request);
      const second = await seedShop(api, request);
      for (const result of [first, second]) {
        assert.deepEqual(result.created, { users: 2, products: 2, orders: 3 });
        assert.deepEqual([...result.failures], []);
      }
      assert.notEqual(first.run, second.run);
    } finally {
      api.close();
    }
  });
});
