/**
 * Mocha global fixtures for `npm test`: a real Kafka broker for the whole run
 * (started by the project's own script, stopped afterwards if this run started
 * it) and quiet service logs. MariaDB and Redis are expected running
 * (.ci/run starts them on a fresh machine).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { stopPlatform } from '../support/platform';

const kafkaScript = join(__dirname, '..', '..', 'scripts', 'kafka.sh');
let startedKafka = false;

process.env.LOG_LEVEL ??= 'silent';
// Topics of this run only: no history of earlier runs for fresh consumer groups to replay.
process.env.KAFKA_TOPIC_PREFIX ??= `test-${Date.now().toString(36)}.`;
process.env.NODE_ENV ??= 'test';

export function mochaGlobalSetup(): void {
  const running = (() => {
    try {
      execFileSync('bash', [kafkaScript, 'status'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!running) {
    execFileSync('bash', [kafkaScript, 'start'], { stdio: 'inherit' });
    startedKafka = true;
  }
}

export function mochaGlobalTeardown(): void {
  if (startedKafka) execFileSync('bash', [kafkaScript, 'stop'], { stdio: 'inherit' });
}

export const mochaHooks = {
  /** The shared end-to-end platform, if a suite booted it, stops once at the end. */
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopPlatform();
  },
};
