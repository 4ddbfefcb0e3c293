import assert from 'node:assert/strict';
import { logLevel } from 'kafkajs';
import { EXPECTED_BROKER_ANSWERS, KAFKA_LOG_LEVEL, kafkaLogLevel } from './kafka';

// kafkajs's own table of broker errors: the expected answers must be its wording, or they
// would stop matching after an upgrade and the first start would be noisy again.
const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { message: string }[] };

describe('platform/events/kafka: log levels', () => {
  it("writes out kafkajs's own logLevel values (kafkajs is loaded lazily)", () => {
    assert.deepEqual(KAFKA_LOG_LEVEL, { NOTHING: logLevel.NOTHING, ERROR: logLevel.ERROR, WARN: logLevel.WARN, INFO: logLevel.INFO, DEBUG: logLevel.DEBUG });
  });

  it("lists only answers kafkajs really gives (its broker errors' wording, or createTopics' aggregate)", () => {
    const known = new Set(errorCodes.map((e) => e.message));
    for (const answer of EXPECTED_BROKER_ANSWERS) {
      if (answer === 'Topic creation errors') continue;
      assert.ok(known.has(answer), `kafkajs has no broker error "${answer}"`);
    }
  });

  it('logs the answers of a healthy first start at debug, not error', () => {
    for (const answer of ['Topic creation errors', 'The group coordinator is not available', 'This server is not the leader for that topic-partition']) {
      assert.equal(kafkaLogLevel('Connection', logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', answer), 'debug');
    }
  });

  it('keeps other failed responses visible at warn: the caller decides whether they are fatal', () => {
    assert.equal(kafkaLogLevel('Connection', logLevel.ERROR, 'Response Produce(key: 0, version: 7)', 'Broker: Message size too large'), 'warn');
  });

  it("keeps kafkajs's level for everything else", () => {
    assert.equal(kafkaLogLevel('Consumer', logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', undefined), 'error');
    assert.equal(kafkaLogLevel('BrokerPool', logLevel.WARN, 'Failed to connect to seed broker', undefined), 'warn');
  });

  it('quiets the capped retries of our idempotent producers on purpose', () => {
    assert.equal(kafkaLogLevel('Producer', logLevel.WARN, 'Limiting retries for the idempotent producer to Number.MAX_SAFE_INTEGER', undefined), 'debug');
  });
});
