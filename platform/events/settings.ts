import { z } from 'zod';
import { integer } from '../env-values';

/**
 * Settings of the event backbone every service shares (outbox relay,
 * consumers, retention); part of the base configuration.
 */
export const eventSettings = {
  /**
   * Partitions of every topic a service creates. Bounds how many members of
   * one consumer group get work: run at most this many replicas of a consumer
   * (deploy/k8s HPA maxReplicas follows it).
   */
  KAFKA_TOPIC_PARTITIONS: integer(z.number().min(1).max(1000)).default(6),
  /** Partitions one consumer instance handles at once (each holds a database connection while it does). */
  KAFKA_CONSUMER_CONCURRENCY: integer(z.number().min(1).max(64)).default(3),
  /** Events claimed and handled in one database transaction, at most. */
  EVENT_BATCH_SIZE: integer(z.number().min(1).max(1000)).default(100),
  /** The relay's safety-net poll; commits wake it at once, so this only matters if a wake-up is lost. */
  OUTBOX_POLL_MS: integer(z.number().min(10).max(60_000)).default(2_000),
  /** Published outbox rows are kept this long (for inspection), then purged. */
  OUTBOX_RETENTION_HOURS: integer(
    z
      .number()
      .min(0)
      .max(24 * 365),
  ).default(24),
  /**
   * The dedup window: a redelivery older than this is no longer recognised as
   * a duplicate. Keep it longer than the topics' retention (Kafka's default: 7 days)
   * and than any replay you may do from a dead-letter topic.
   */
  PROCESSED_EVENTS_RETENTION_HOURS: integer(
    z
      .number()
      .min(1)
      .max(24 * 365),
  ).default(24 * 8),
  /** How often the purge runs; 0 turns it off. */
  RETENTION_PURGE_INTERVAL_SECONDS: integer(z.number().min(0).max(86_400)).default(60),
};
