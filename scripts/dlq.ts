/**
 * Lists and replays dead-lettered events.
 *
 *   npm run dlq -- list   --group <consumer group>
 *   npm run dlq -- replay --group <consumer group> [--event-id <id>]
 *
 * `list` reads `dlq.<group>` from the start without committing anything.
 * `replay` republishes each dead letter (or only the one with --event-id) to
 * its original topic with its original key and envelope; consumers are
 * idempotent by event id, so other groups ignore what they already processed.
 * A full replay is tracked by the consumer group `dlq-replay.<group>`, so
 * running it twice does not send a message twice; --event-id replays one
 * message whenever asked.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners, type KafkaMessage } from 'kafkajs';
import { deadLetterTopic, originalHeaders, readDeadLetter } from '../platform/events/dead-letter';
import { fromHeaders } from '../platform/events/envelope';
import { helpRequested, runCli, UsageError } from './lib/cli';

const USAGE = `usage: npm run dlq -- list|replay --group <consumer group> [options]

  list                 print each dead letter of dlq.<group> as one JSON line (commits nothing)
  replay               republish the dead letters to their original topics (once per message)
  --group, -g <name>   the consumer group whose dead letters to read (e.g. notifications)
  --event-id <id>      replay: only the dead letter of this event, whenever asked
  --brokers <list>     Kafka brokers (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --topic-prefix <p>   prefix of every topic (default $KAFKA_TOPIC_PREFIX or none)
  --help, -h           this text
`;

function options() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      group: { type: 'string', short: 'g' },
      'event-id': { type: 'string' },
      brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
      'topic-prefix': { type: 'string', default: process.env.KAFKA_TOPIC_PREFIX ?? '' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (!values.help && !['list', 'replay'].includes(command)) throw new UsageError(command ? `unknown command ${command}` : 'give a command: list or replay');
  if (!values.help && !values.group) throw new UsageError('--group is required');
  return { command, ...values, group: values.group ?? '' };
}

// Set by main once the command line is read (inside runCli, so a mistake prints the usage, not a stack).
let opts: ReturnType<typeof options>;
let kafka: Kafka;
let topic: string;

/** Every message of the DLQ topic from the group's position to the current end. */
async function drain(groupId: string, commit: boolean, visit: (message: KafkaMessage) => Promise<void>) {
  const admin = kafka.admin();
  await admin.connect();
  const exists = (await admin.listTopics()).includes(topic);
  const ends = exists ? await admin.fetchTopicOffsets(topic) : [];
  const committed = exists ? ((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? []) : [];
  await admin.disconnect();
  const remaining = new Map(
    ends.map((e) => {
      const from = Number(committed.find((c) => c.partition === e.partition)?.offset ?? -1);
      return [e.partition, { from: from >= 0 ? from : Number(e.low), end: Number(e.high) }];
    }),
  );
  const pending = () => [...remaining.values()].some((r) => r.from < r.end);
  if (!pending()) return;

  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          await visit(message);
          if (commit) await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
          remaining.get(partition)!.from = Number(message.offset) + 1;
          if (!pending()) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
}

async function main() {
  opts = options();
  if (helpRequested(opts, USAGE)) return;
  kafka = new Kafka({ clientId: 'shopmesh-dlq', brokers: opts.brokers.split(','), logLevel: logLevel.ERROR });
  topic = opts['topic-prefix'] + deadLetterTopic(opts.group);
  if (opts.command === 'list') {
    let count = 0;
    await drain(`dlq-list-${randomUUID()}`, false, async (message) => {
      const envelope = fromHeaders(message.headers);
      const info = readDeadLetter(message.headers);
      count++;
      process.stdout.write(
        `${JSON.stringify({
          dlqOffset: message.offset,
          eventId: envelope?.id,
          type: envelope?.type,
          key: message.key?.toString(),
          attempts: info.attempts,
          error: info.error,
          origin: `${info.topic}[${info.partition}]@${info.offset}`,
          failedAt: info.failedAt,
        })}\n`,
      );
    });
    process.stderr.write(`${count} dead letter(s) in ${topic}\n`);
    return;
  }

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let replayed = 0;
  // A targeted replay reads without committing, so the other dead letters stay due.
  const targeted = Boolean(opts['event-id']);
  await drain(targeted ? `dlq-replay-one-${randomUUID()}` : `dlq-replay.${opts.group}`, !targeted, async (message) => {
    const envelope = fromHeaders(message.headers);
    if (opts['event-id'] && envelope?.id !== opts['event-id']) return;
    const info = readDeadLetter(message.headers);
    await producer.send({ topic: info.topic, acks: -1, messages: [{ key: message.key, value: message.value, headers: originalHeaders(message.headers) }] });
    replayed++;
    process.stdout.write(`replayed ${envelope?.type ?? 'unknown'} ${envelope?.id ?? '(no id)'} to ${info.topic}\n`);
  });
  await producer.disconnect();
  process.stderr.write(`${replayed} event(s) replayed from ${topic}\n`);
}

runCli('dlq', USAGE, main);
