import { strict as assert } from 'node:assert';
import { parseCount, parseDuration, UsageError } from './cli-values';

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
