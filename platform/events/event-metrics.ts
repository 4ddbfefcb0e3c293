import { counter, gauge, histogram } from '../metrics';

/** Metrics of the event backbone: the outbox relay, consumers, retention and the Kafka clients. */
export const eventMetrics = {
  produced: counter('events_produced_total', 'Events published to Kafka, by event type.', ['event_type']),
  consumed: counter(
    'events_consumed_total',
    'Events taken by consumers, by result: ok, duplicate (already processed), skipped (not subscribed), dead_lettered.',
    ['event_type', 'group', 'result'],
  ),
  retried: counter('events_retried_total', 'Handler attempts that failed and were retried.', ['event_type', 'group']),
  deadLettered: counter('events_dead_lettered_total', 'Events sent to a dead-letter topic.', ['event_type', 'group']),
  purged: counter('events_retention_purged_total', 'Rows deleted by the retention purge (published outbox rows, old processed-event claims).', [
    'service',
    'table',
  ]),
  kafkaRequests: counter('kafka_client_requests_total', 'Requests this process sent to Kafka brokers, by client role and Kafka API.', ['client', 'api']),
  outageRetries: counter('events_outage_retries_total', 'Tries of a batch or event that waited out an unavailable database or callee (never dead-lettered).', [
    'group',
  ]),
  handlingSeconds: histogram(
    'events_handling_seconds',
    "Time to handle one event: its batch's transaction shared out over the batch's events.",
    ['event_type', 'group'],
    { exemplars: true },
  ),
  lag: gauge('kafka_consumer_lag', 'Messages not yet committed by a consumer group, per partition.', ['group', 'topic', 'partition']),
};

export const outboxMetrics = {
  backlog: gauge('outbox_backlog', 'Outbox rows not yet published to Kafka.', ['outbox']),
};
