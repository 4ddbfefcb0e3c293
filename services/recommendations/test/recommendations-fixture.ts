import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { CallOptions, TypedClient } from '../../../platform/client';
import { Events } from '../../../platform/events/catalog';
import { registry } from '../../../platform/metrics';
import type { CatalogServiceService, Product } from '../../../gen/ts/shop/catalog/v1/catalog';
import type { RecommendationsServiceService } from '../../../gen/ts/shop/recommendations/v1/recommendations';
import { until } from '../../../test/support/poll';
import { startServiceUnderTest, type ServiceUnderTest } from '../../../test/support/service-under-test';
import { recommendationsService } from '../src/service';

export type RecommendationsClient = TypedClient<typeof RecommendationsServiceService>;

/** The recommendations service under test (test/support/service-under-test.ts). */
export type RunningRecommendations = ServiceUnderTest<typeof recommendationsService>;

/**
 * Recommendations under test on a fresh database and a consumer group of its
 * own (which reads the run's topics from their beginning), calling the catalog
 * at `catalogAddress`. Waits for Redis, so cache counts are exact from the start.
 */
export async function startRecommendationsUnderTest(catalogAddress: string, overrides: Record<string, string> = {}): Promise<RunningRecommendations> {
  const recommendations = await startServiceUnderTest(recommendationsService, { calls: { catalog: catalogAddress }, overrides, deadlineMs: 10_000 });
  await recommendations.untilCheck('redis');
  return recommendations;
}

/** Resolves once the service's consumer group has committed everything on the topics it reads. */
export async function untilCaughtUp({ config }: RunningRecommendations, timeoutMs = 20_000): Promise<void> {
  const kafka = new Kafka({ clientId: 'recommendations-test', brokers: config.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const topics = [Events.ProductChanged.topic, Events.OrderCreated.topic].map((topic) => config.KAFKA_TOPIC_PREFIX + topic);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await until(
      `${config.RECOMMENDATIONS_CONSUMER_GROUP} to consume everything published`,
      async () => {
        const committed = await admin.fetchOffsets({ groupId: config.KAFKA_TOPIC_PREFIX + config.RECOMMENDATIONS_CONSUMER_GROUP, topics });
        for (const topic of topics) {
          const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
          for (const end of await admin.fetchTopicOffsets(topic)) {
            const at = Number(done.find((p) => p.partition === end.partition)?.offset ?? -1);
            if (Number(end.high) > 0 && at < Number(end.high)) return false;
          }
        }
        return true;
      },
      { timeoutMs, intervalMs: 100 },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Products of a category and tags no other test or seed uses, so events
 * from the rest of the run (which share its topics) never touch them.
 */
export function productFactory(catalog: TypedClient<typeof CatalogServiceService>, admin: CallOptions) {
  const run = randomUUID().slice(0, 8);
  return {
    category: (name: string) => `${name}-${run}`,
    tag: (name: string) => `${name}-${run}`,
    async create(fields: { name: string; category: string; priceMinor: number; tags?: string[] }): Promise<Product> {
      const { product } = await catalog.createProduct(
        {
          name: `${fields.name} ${run}`,
          description: 'Made for the recommendations tests.',
          category: fields.category,
          price: { currencyCode: 'EUR', amountMinor: String(fields.priceMinor) },
          stock: 10_000,
          tags: fields.tags ?? [],
          imageUrl: '',
        },
        admin,
      );
      return product!;
    },
  };
}

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  return values
    .filter((v) => Object.entries(labels).every(([key, value]) => (v.labels as Record<string, unknown>)[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

/** `cache_requests_total` of the similar lists in this process. */
export const similarCacheRequests = (result: 'hit' | 'miss' | 'error') => counter('cache_requests_total', { cache: 'recommendations-similar', result });

/** Calls this process made to a catalog method (every service of the test shares the registry). */
export const catalogCalls = (method: string) => counter('grpc_client_handled_total', { grpc_service: 'shop.catalog.v1.CatalogService', grpc_method: method });

/** `events_consumed_total` of one consumer group. */
export const consumed = (group: string, eventType: string, result: 'ok' | 'duplicate' | 'skipped' | 'dead_lettered') =>
  counter('events_consumed_total', { group, event_type: eventType, result });

/** The RpcError code a call failed with; fails the test when it succeeds. */
export async function failureOf(call: Promise<unknown>): Promise<{ code: number; fields: string[] }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code: number; details?: { fieldViolations?: { field: string }[] } };
    return { code: e.code, fields: (e.details?.fieldViolations ?? []).map((v) => v.field) };
  }
  assert.fail('the call succeeded');
}
