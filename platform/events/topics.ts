import type { Admin } from 'kafkajs';
import type { Logger } from '../logger';

/**
 * Makes sure topics exist with at least `partitions` partitions before anyone
 * produces to or subscribes to them. Auto-creation would give the broker's
 * default (often 1), and one partition caps a consumer group at one busy
 * member. A topic that exists with fewer partitions is grown: keys then map to
 * other partitions for new events, which only matters for an aggregate with
 * events in flight across the change, so it is logged.
 */
export function createTopicEnsurer(admin: Admin, partitions: number, log: Logger) {
  const ensured = new Set<string>();

  return {
    async ensure(topics: string[]): Promise<void> {
      const missing = [...new Set(topics)].filter((topic) => !ensured.has(topic));
      if (missing.length === 0) return;
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: missing });
      const short = metadata.filter((t) => t.partitions.length < partitions);
      if (short.length > 0) {
        await admin.createPartitions({ topicPartitions: short.map((t) => ({ topic: t.name, count: partitions })) });
        log.info({ topics: short.map((t) => ({ topic: t.name, from: t.partitions.length, to: partitions })) }, 'grew topics to the configured partition count');
      }
      for (const topic of missing) ensured.add(topic);
    },
  };
}

export type TopicEnsurer = ReturnType<typeof createTopicEnsurer>;
