import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseCount, parseDuration, UsageError } from './cli';

describe('command-line values', () => {
  it('reads durations in ms, s or m, and plain seconds', () => {
    assert.deepEqual(
      ['500ms', '30s', '2m', '10', '1.5s'].map((t) => parseDuration(t, '--duration')),
      [500, 30_000, 120_000, 10_000, 1_500],
    );
  });

  it('refuses what is not a duration or a count, naming the flag', () => {
    assert.throws(
      () => parseDuration('soon', '--duration'),
      (e: Error) => e instanceof UsageError && /--duration: "soon"/.test(e.message),
    );
    assert.throws(() => parseCount('0', '--vus'), /--vus: "0" must be a whole number of at least 1/);
    assert.throws(() => parseCount('2.5', '--users', 0), UsageError);
    assert.equal(parseCount('0', '--users', 0), 0);
  });
});

describe("the operators' scripts", () => {
  const run = (script: string, ...args: string[]) =>
    spawnSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, '..', script), ...args], {
      encoding: 'utf8',
      env: { ...process.env, KAFKA_BROKERS: '127.0.0.1:1' },
    });

  for (const script of ['admin.ts', 'dlq.ts', 'reencrypt-pii.ts']) {
    it(`${script}: --help is the usage on stdout, a mistake is one line and the usage on stderr, exit 2, no stack`, () => {
      const help = run(script, '--help');
      assert.equal(help.status, 0);
      assert.match(help.stdout, /^usage: npm run /);
      const wrong = run(script, '--no-such-option');
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, /Unknown option '--no-such-option'[\s\S]*usage: npm run /);
      assert.doesNotMatch(wrong.stderr, /^\s+at /m);
    });
  }
});
