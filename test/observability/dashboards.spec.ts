import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createClient, type CallOptions } from '../../platform/client';
import { CatalogServiceService } from '../../gen/ts/shop/catalog/v1/catalog';
import { OrdersServiceService, OrderStatus } from '../../gen/ts/shop/orders/v1/orders';
import { UsersServiceService } from '../../gen/ts/shop/users/v1/users';
import { localPrometheusConfig } from '../../observability/prometheus/local-config';
import { SERVICES } from '../../services/manifest';
import { usePlatform, type RunningPlatform } from '../support/platform';
import { until } from '../support/poll';
import { concreteExpr, loadDashboards, panelTargets } from './support/dashboards';
import { startPrometheus, type RunningPrometheus } from './support/prometheus';

/** What Grafana would fill in for a dashboard showing the last 15 minutes. */
const INTERVALS = { rate: '2m', interval: '15s', range: '15m' };

const finite = (value: string) => Number.isFinite(Number(value));
/** Waits as long as `count` scrapes take (the interval is 1 s). */
const scrapes = (count: number) => new Promise((resolve) => setTimeout(resolve, count * 1_000 + 500));

describe('dashboards: every panel of every dashboard shows data from the running platform', function () {
  this.timeout(240_000);
  let platform: RunningPlatform;
  let prometheus: RunningPrometheus;
  const dashboards = loadDashboards();

  before(async function () {
    // Fails (not skips) with the install hint when the binary is missing.
    // prometheus.yml's jobs and alert rules, aimed at the end-to-end copy, scraped every second.
    platform = await usePlatform();
    prometheus = await startPrometheus(localPrometheusConfig({ portOffset: platform.portOffset, scrapeInterval: '1s' }));
    // Every target scraped, and scraped well (OpenMetrics parsed, nothing rejected), before
    // any traffic: what happened before the first scrape is a baseline, not a rate.
    const expectedTargets = SERVICES.length;
    await until(
      `Prometheus to scrape all ${expectedTargets} services`,
      async () => {
        const targets = await prometheus.targets();
        return targets.length === expectedTargets && targets.every((t) => t.health === 'up') && targets;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    ).catch(async (error) => {
      assert.fail(`${error.message}\n${JSON.stringify(await prometheus.targets(), null, 2)}`);
    });
    // Twice: a series born with its first observation shows no rate until it
    // grows again, as on a live dashboard where traffic keeps coming.
    await driveTraffic(platform);
    await scrapes(2);
    await driveTraffic(platform);
    await sendUndecodableEvent(platform.topicPrefix);
    // The lag gauge is refreshed every 10 s; the rest within a few scrapes.
    await until('consumer lag to be scraped', async () => (await prometheus.query('kafka_consumer_lag')).length > 0, { timeoutMs: 30_000, intervalMs: 500 });
    await until('the dead letter to be scraped', async () => (await prometheus.query('sum(increase(events_dead_lettered_total[2m])) > 0')).length > 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    await scrapes(2);
  });

  after(async () => {
    await prometheus?.stop();
  });

  it('scrapes every service of the manifest with its service label, without scrape errors', async () => {
    const targets = await prometheus.targets();
    assert.deepEqual(targets.map((t) => t.labels.service).sort(), SERVICES.map((s) => s.name).sort());
    for (const target of targets) assert.equal(target.lastError, '', `${target.scrapeUrl}: ${target.lastError}`);
    const types = await prometheus.query('count by (service) (grpc_server_handled_total)');
    assert.ok(types.length > 0);
    // honor_labels keeps the services' own label: no exported_service anywhere.
    assert.deepEqual(await prometheus.query('count({exported_service!=""})'), []);
  });

  for (const dashboard of dashboards) {
    it(`${dashboard.title}: every panel query returns data`, async () => {
      const empty: string[] = [];
      for (const target of panelTargets(dashboard)) {
        const expr = concreteExpr(dashboard, target.expr, INTERVALS);
        const result = await prometheus.query(expr);
        if (!result.some((r) => finite(r.value[1]))) empty.push(`"${target.panel}" ${target.refId}: ${expr} -> ${JSON.stringify(result)}`);
      }
      assert.deepEqual(empty, [], `panels without data:\n${empty.join('\n')}`);
    });
  }

  it('evaluates every alert rule against the live series without errors', async () => {
    const groups = await until(
      'the rules to be evaluated once',
      async () => {
        const loaded = await prometheus.rules();
        return loaded.length > 0 && loaded.every((g) => g.rules.every((r) => r.health !== 'unknown')) && loaded;
      },
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    const broken = groups
      .flatMap((g) => g.rules)
      .filter((r) => r.health !== 'ok')
      .map((r) => `${r.name}: ${r.lastError}`);
    assert.deepEqual(broken, []);
  });
});

/**
 * Enough of everything for every panel: accounts, logins (one refused), product
 * lists twice (a cache hit), orders paid and declined, a refused order, and
 * REST through the edge.
 */
async function driveTraffic(platform: RunningPlatform): Promise<void> {
  const address = (service: string) => platform.grpc(service).replace('http://', '');
  const users = createClient(UsersServiceService, { addresses: [address('users')], deadlineMs: 10_000 });
  const catalog = createClient(CatalogServiceService, { addresses: [address('catalog')], deadlineMs: 10_000 });
  const orders = createClient(OrdersServiceService, { addresses: [address('orders')], deadlineMs: 10_000 });
  try {
    const email = `dashboards-${randomUUID().slice(0, 8)}@example.com`;
    const password = 'correct horse battery';
    await users.register({ email, password, displayName: 'Dashboard Shopper', phone: '', address: '' });
    await users.login({ email, password: 'wrong password!' }).catch(() => undefined);
    const { accessToken } = await users.login({ email, password });
    const auth: CallOptions = { metadata: { authorization: `Bearer ${accessToken}` } };
    const list = () => catalog.listProducts({ pageSize: 20, pageToken: '', category: '', query: '' });
    await list();
    const { products } = await list();
    const product = products.find((p) => p.stock > 50)!;

    const order = (paymentToken: string) =>
      orders.createOrder({ idempotencyKey: randomUUID(), paymentToken, items: [{ productId: product.id, quantity: 1 }] }, auth).then((r) => r.order!);
    const placed = [await order('tok_visa'), await order('tok_visa'), await order('tok_declined')];
    await orders
      .createOrder({ idempotencyKey: randomUUID(), paymentToken: 'tok_visa', items: [{ productId: randomUUID(), quantity: 1 }] }, auth)
      .catch(() => undefined);
    for (const { id } of placed) {
      await until(
        `order ${id} to be decided`,
        async () => {
          const { status } = (await orders.getOrder({ orderId: id }, auth)).order!;
          return status === OrderStatus.ORDER_STATUS_PAID || status === OrderStatus.ORDER_STATUS_PAYMENT_FAILED;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    }
    await orders.listOrders({ pageSize: 10, pageToken: '' }, auth);

    const rest = await fetch(`${platform.edge}/v1/products`);
    assert.equal(rest.status, 200, `REST through the edge: ${rest.status}`);
  } finally {
    for (const client of [users, catalog, orders]) client.close();
  }
}

/** An OrderCreated whose payload is not protobuf: every consumer of the orders topic dead-letters it. */
async function sendUndecodableEvent(topicPrefix: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'dashboards-test', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({
      topic: `${topicPrefix}shop.orders.v1.events`,
      messages: [
        {
          key: randomUUID(),
          value: Buffer.from([0xff, 0xff, 0xff, 0xff]),
          headers: {
            ce_specversion: '1.0',
            ce_id: randomUUID(),
            ce_type: 'shop.orders.v1.OrderCreated',
            ce_source: 'dashboards-test',
            ce_time: new Date().toISOString(),
          },
        },
      ],
    });
  } finally {
    await producer.disconnect();
  }
}
