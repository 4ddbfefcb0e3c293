#!/usr/bin/env node
'use strict';
// Readiness probe for the local Kafka broker (used by scripts/kafka.sh).
//
//   node scripts/kafka-ready.cjs [host:port[,host:port...]] [--verbose]
//
// Brokers default to $KAFKA_BROKERS, then 127.0.0.1:9092.
// One attempt, no retries (the caller loops):
//   exit 0  the broker answered a metadata request (admin connect + listTopics)
//   exit 1  not answering (yet)
//   exit 2  kafkajs could not be loaded (caller should fall back to a TCP check)
// kafkajs logging is switched off: right after startup the broker answers with
// retriable errors (e.g. "The coordinator is loading") that are harmless here.

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`usage: node scripts/kafka-ready.cjs [host:port[,host:port...]] [--verbose]

One metadata request to the broker (default $KAFKA_BROKERS, then 127.0.0.1:9092), no retries.
Exit 0: it answered; 1: not answering (yet); 2: kafkajs cannot be loaded.
`);
  process.exit(0);
}

let kafkajs;
try {
  kafkajs = require('kafkajs');
} catch (err) {
  console.error(`kafka-ready: cannot load kafkajs (${err && err.code ? err.code : err})`);
  process.exit(2);
}

const { Kafka, logLevel } = kafkajs;
const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || args.includes('-v');
const target = args.find((a) => !a.startsWith('-')) || process.env.KAFKA_BROKERS || '127.0.0.1:9092';
const brokers = target
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const timeoutMs = Number(process.env.KAFKA_READY_TIMEOUT_MS) || 5000;

const kafka = new Kafka({
  clientId: 'shopmesh-kafka-ready',
  brokers,
  logLevel: logLevel.NOTHING,
  connectionTimeout: 1000,
  requestTimeout: timeoutMs,
  retry: { retries: 0 },
});
const admin = kafka.admin({ retry: { retries: 0 } });

// Hard stop in case a socket hangs somewhere kafkajs does not time out.
const guard = setTimeout(() => {
  if (verbose) console.error(`kafka-ready: no answer from ${brokers.join(',')} within ${timeoutMs} ms`);
  process.exit(1);
}, timeoutMs + 2000);
guard.unref();

void (async () => {
  let code = 1;
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    if (verbose) {
      const user = topics.filter((t) => !t.startsWith('__'));
      console.log(`kafka-ready: ${brokers.join(',')} answered, ${user.length} topic(s)${user.length ? ': ' + user.sort().join(', ') : ''}`);
    }
    code = 0;
  } catch (err) {
    if (verbose) console.error(`kafka-ready: ${brokers.join(',')} not ready: ${err && err.message ? err.message : err}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  process.exit(code);
})();
