import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { Events } from '../../platform/events/catalog';
import { grantAdmin } from '../../test/support/admins';
import type { Notification } from '../../gen/ts/shop/notifications/v1/notifications';
import { runOpenLoop } from '../lib/open-loop';
import { perOrder, pipelineProbe } from '../lib/pipeline-probe';
import { compareVariants, type BenchSettings, type ScenarioResult, type VariantResult } from '../lib/scenario';
import { grpcShopApi, type GrpcAddresses } from '../shop-api/grpc-shop';
import { allProducts, signIn, type Session } from '../shop-api/shop-api';

export interface OrderPipelineTargets {
  /** users, catalog, orders and, when it runs, notifications. */
  grpc: GrpcAddresses;
  kafka: {
    brokers: string;
    /** KAFKA_TOPIC_PREFIX of the services measured. */
    topicPrefix: string;
    /** Prefix of the consumer groups this scenario creates. */
    groupPrefix: string;
  };
  /** The users service's database, where the bench makes its admin (as `npm run admin -- grant` does). */
  usersDatabase: string;
  /** MariaDB of the services, and each service's /metrics base URL: statements and Kafka requests per order. */
  mysqlUrl?: string;
  metricsUrls?: string[];
  /** The open-loop row: arrivals per second for a duration; none when absent. */
  openLoop?: { ratePerSecond: number; durationMs: number };
  /** Every service process of the pipeline, by name: their CPU per order is reported. */
  processes?: Record<string, number>;
}

const ORDER_TIMEOUT_MS = 30_000;
/** Roughly the size of an OrderCreated event. */
const RAW_MESSAGE_BYTES = 256;
const ORDER_PAID = Events.OrderPaid.type;

/**
 * Units of every product before the pipeline starts. Orders take stock (catalog
 * reserves it), and the seeded catalog holds a few thousand units in all: at
 * 200 orders/s it would sell out within seconds and the run would measure
 * OUT_OF_STOCK refusals instead of the pipeline.
 */
const PIPELINE_STOCK = 1_000_000; // the most UpdateProduct accepts
/** The bench platform's users database is new on every run; registration makes a customer, the grant an admin. */
const BENCH_ADMIN = { email: 'admin@shopmesh.local', password: 'bench-admin-password', displayName: 'Bench Admin' };

/** Stocks every product for the run, as a shop admin would (UpdateProduct). */
async function stockForTheRun(api: ReturnType<typeof grpcShopApi>, products: { id: string }[], usersDatabase: string): Promise<void> {
  await signIn(api, BENCH_ADMIN);
  await grantAdmin(usersDatabase, BENCH_ADMIN.email, 'npm run bench');
  // A token issued after the grant carries the role.
  const admin = api.auth(await signIn(api, BENCH_ADMIN));
  await Promise.all(
    products.map((p) => api.clients.catalog.updateProduct({ id: p.id, stock: PIPELINE_STOCK, price: undefined, tags: [], replaceTags: false }, admin)),
  );
}

class OrderTimeout extends Error {
  override name = 'OrderTimeout';
}

/**
 * Waiters for "order X has reached the end of the pipeline", fed by whichever
 * source sees the end. An end seen before anyone waits is kept, so a fast
 * pipeline cannot outrun its observer.
 */
function completions() {
  const waiting = new Map<string, () => void>();
  const early = new Set<string>();
  return {
    completed(orderId: string) {
      const resolve = waiting.get(orderId);
      if (resolve) {
        waiting.delete(orderId);
        resolve();
      } else {
        early.add(orderId);
      }
    },
    wait(orderId: string, timeoutMs = ORDER_TIMEOUT_MS): Promise<void> {
      if (early.delete(orderId)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(orderId);
          reject(new OrderTimeout(`order ${orderId} did not complete within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        waiting.set(orderId, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/**
 * Orders per second through the whole pipeline, and the latency from
 * CreateOrder to the end: the OrderPaid notification stored and pushed to the
 * shopper's WatchNotifications stream, or, without a notifications service,
 * OrderPaid on the bus (the order is PAID). Raw kafkajs produce and consume
 * on the same broker are the ceiling.
 */
export async function orderPipelineScenario(targets: OrderPipelineTargets, settings: BenchSettings): Promise<ScenarioResult> {
  const api = grpcShopApi(targets.grpc);
  const kafka = new Kafka({ clientId: 'bench', brokers: targets.kafka.brokers.split(','), logLevel: logLevel.NOTHING });
  /** One per open WatchNotifications stream, all aborted at the end. */
  const streams: AbortController[] = [];
  const done = completions();
  const notes: string[] = [];
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  const rawTopic = `${targets.kafka.topicPrefix}bench.raw-${randomBytes(3).toString('hex')}`;
  const admin = kafka.admin();
  const probe = targets.mysqlUrl && targets.metricsUrls ? pipelineProbe(targets.mysqlUrl, targets.metricsUrls) : undefined;
  try {
    const password = 'bench-shopper-password';
    const shoppers: Session[] = [];
    for (let i = 0; i < settings.concurrency; i++) {
      shoppers.push(await signIn(api, { email: `bench-${randomUUID().slice(0, 12)}@example.com`, password, displayName: `Bench Shopper ${i}` }));
    }
    const products = await allProducts(api);
    if (products.length === 0) throw new Error('no product to order');
    await stockForTheRun(api, products, targets.usersDatabase);
    const placeOrder = (session: Session) => {
      const product = products[Math.floor(Math.random() * products.length)];
      return api.createOrder(session, { items: [{ productId: product.id, quantity: 1 }], idempotencyKey: randomUUID(), paymentToken: 'tok_visa' });
    };

    const viaNotifications = targets.grpc.notifications !== undefined;
    let endName: string;
    if (viaNotifications) {
      endName = 'CreateOrder → OrderPaid notification';
      const watch = (session: Session) => {
        const stream = new AbortController();
        streams.push(stream);
        void (async () => {
          for await (const { notification } of api.clients.notifications!.watchNotifications({}, { ...api.auth(session), signal: stream.signal })) {
            if (notification?.eventType === ORDER_PAID) done.completed(orderIdIn(notification));
          }
        })().catch(() => {
          // A stream that ends early is reopened by the next order that times out.
        });
      };
      await Promise.all(
        shoppers.map(async (session) => {
          // Live only, and no way to see the subscription start: an order per shopper proves the stream is listening.
          for (let attempt = 1; ; attempt++) {
            watch(session);
            await new Promise((resolve) => setTimeout(resolve, 200));
            try {
              const { orderId } = await placeOrder(session);
              await done.wait(orderId, attempt === 1 ? 30_000 : 10_000);
              return;
            } catch (error) {
              if (!(error instanceof OrderTimeout) || attempt === 3) throw error;
            }
          }
        }),
      );
    } else {
      endName = 'CreateOrder → OrderPaid event';
      notes.push('No notifications service: the pipeline ends at OrderPaid on the bus (the order is PAID).');
      consumer = kafka.consumer({ groupId: `${targets.kafka.groupPrefix}pipeline`, sessionTimeout: 10_000 });
      await consumer.connect();
      await consumer.subscribe({ topic: `${targets.kafka.topicPrefix}${Events.OrderPaid.topic}`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (message.headers?.ce_type?.toString() === ORDER_PAID && message.key) done.completed(message.key.toString());
        },
      });
      await Promise.all(shoppers.map(async (session) => done.wait((await placeOrder(session)).orderId)));
    }

    await admin.connect();
    await admin.createTopics({ topics: [{ topic: rawTopic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const payload = randomBytes(RAW_MESSAGE_BYTES);
    let produced = 0;

    const variants = await compareVariants(
      'orders',
      [
        {
          name: 'kafkajs produce, 1 msg per send, acks=all',
          baseline: true,
          op: async (worker) => {
            await producer!.send({ topic: rawTopic, acks: -1, messages: [{ key: String(worker), value: payload }] });
            produced++;
          },
        },
        {
          name: endName,
          processes: targets.processes,
          probe: probe?.read,
          op: async (worker) => {
            const t0 = performance.now();
            const { orderId } = await placeOrder(shoppers[worker]);
            const created = performance.now();
            await done.wait(orderId);
            return { parts: { CreateOrder: created - t0 } };
          },
        },
      ],
      settings,
    );
    variants.push(await consumeAll(kafka, rawTopic, produced, `${targets.kafka.groupPrefix}raw`, Math.max(settings.durationMs, 30_000)));

    const [produce, pipeline, consume] = variants;
    const figures: Record<string, number> = {
      'orders/s end to end': pipeline.throughput,
      'p50 ms CreateOrder → end': pipeline.latency.p50Ms,
      'p99 ms CreateOrder → end': pipeline.latency.p99Ms,
      'raw produce msgs/s per order/s': produce.throughput / pipeline.throughput,
    };
    if (pipeline.serverCpuUsPerOp !== undefined) figures['platform CPU ms per order'] = pipeline.serverCpuUsPerOp / 1000;

    if (consume.throughput > 0) figures['raw consume msgs/s'] = consume.throughput;
    Object.assign(figures, perOrder(pipeline.extra?.observed as Record<string, number> | undefined));

    if (targets.openLoop) {
      const { ratePerSecond, durationMs } = targets.openLoop;
      let lagAtEnd = NaN;
      const open = await runOpenLoop(
        async (i) => {
          const { orderId } = await placeOrder(shoppers[i % shoppers.length]);
          await done.wait(orderId);
        },
        {
          ratePerSecond,
          durationMs,
          maxInFlight: 5_000,
          progress: settings.progress,
          signal: settings.signal,
          onArrivalsEnd: async () => {
            lagAtEnd = await consumerLag(admin, targets.kafka.topicPrefix);
          },
        },
      );
      figures[`open loop ${ratePerSecond}/s: achieved orders/s`] = open.achievedPerSecond;
      figures[`open loop ${ratePerSecond}/s: p50 ms`] = open.latency.p50Ms;
      figures[`open loop ${ratePerSecond}/s: p99 ms`] = open.latency.p99Ms;
      figures[`open loop ${ratePerSecond}/s: consumer lag at the end`] = lagAtEnd;
      variants.push({
        name: `open loop: ${ratePerSecond} orders/s for ${durationMs / 1000} s`,
        baseline: false,
        throughput: open.achievedPerSecond,
        ops: open.completed,
        seconds: durationMs / 1000,
        errors: open.errors + open.dropped,
        errorKinds: { ...(open.errors ? { failed: open.errors } : {}), ...(open.dropped ? { 'not sent (too many in flight)': open.dropped } : {}) },
        firstError: open.firstError,
        latency: open.latency,
        clientCpuPercent: NaN,
        extra: { offered: open.offered, consumerLagAtEnd: lagAtEnd },
      });
      notes.push(
        `Open loop: ${ratePerSecond} orders arrive per second for ${durationMs / 1000} s whatever the platform answers (round robin over the shoppers); latency runs from each order's due time to its end, so queueing is not hidden. Consumer lag is every consumer group of the platform's messages not yet committed when the last order arrived.`,
      );
    }
    notes.push(
      `${settings.concurrency} shoppers, each with one order in flight (1 item, tok_visa); each order is 3 events on the bus (OrderCreated, PaymentSucceeded, OrderPaid), each handled in a database transaction by up to 3 consumer groups.`,
      "The raw rows are the broker's ceiling from this process: single-message sends at the same concurrency, then one consumer reading them all back (throughput only).",
      "Platform CPU per order is every service process's CPU in the window over the orders completed, so it includes what the services burn at rest (see the memory table).",
      "SQL statements and commits per order are MariaDB's global Questions and Com_commit counters; Kafka requests per order are what the services' kafkajs clients sent (kafka_client_requests_total: produce, fetch, offset commits, heartbeats, metadata); both over orders_created_total in the same interval.",
    );
    return { id: 'orders', title: 'Order pipeline: orders/s end to end vs. raw Kafka', figures, variants, notes };
  } finally {
    for (const stream of streams) stream.abort();
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [rawTopic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await probe?.close();
    api.close();
  }
}

/** The order id an OrderPaid notification is about ("Payment received for order <id>: ..."). */
function orderIdIn(notification: Notification): string {
  return /order ([0-9a-f-]{36})/i.exec(notification.body)?.[1] ?? '';
}

/** One consumer reads `count` messages of `topic` from the start; throughput only. */
async function consumeAll(kafka: Kafka, topic: string, count: number, groupId: string, timeoutMs: number): Promise<VariantResult> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000 });
  let consumed = 0;
  let first = 0;
  let last = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      if (count === 0) resolve();
      void consumer.run({
        eachMessage: async () => {
          last = performance.now();
          if (consumed++ === 0) first = last;
          if (consumed >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  const seconds = Math.max((last - first) / 1000, 1e-3);
  return {
    name: 'kafkajs consume (eachMessage, one consumer)',
    baseline: false,
    throughput: consumed > 1 ? (consumed - 1) / seconds : 0,
    ops: consumed,
    seconds,
    errors: Math.max(0, count - consumed),
    errorKinds: count > consumed ? { 'not consumed': count - consumed } : {},
    latency: { count: 0, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, maxMs: NaN, meanMs: NaN },
    clientCpuPercent: NaN,
  };
}

/** Messages of the platform's topics not yet committed by its consumer groups (those under `topicPrefix`). */
async function consumerLag(admin: Admin, topicPrefix: string): Promise<number> {
  const { groups } = await admin.listGroups();
  const ends = new Map<string, Map<number, number>>();
  let lag = 0;
  for (const { groupId } of groups.filter((g) => g.groupId.startsWith(topicPrefix))) {
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
      if (!ends.has(topic)) ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)])));
      for (const p of partitions) lag += Math.max(0, (ends.get(topic)!.get(p.partition) ?? 0) - Math.max(Number(p.offset), 0));
    }
  }
  return lag;
}
