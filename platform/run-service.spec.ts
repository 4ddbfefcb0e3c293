import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Runs a service whose start schedules `fault`, as its own process, and returns how it ended. */
function runCrashing(fault: string) {
  const script = `
    const { runService } = require(${JSON.stringify(join(__dirname, 'run-service'))});
    runService('crash-test', async () => {
      setTimeout(() => { ${fault} }, 10);
      setInterval(() => undefined, 1_000); // a healthy service keeps running
      return { shutdown: async () => undefined };
    });`;
  const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, LOG_LEVEL: 'info', OTEL_SDK_DISABLED: 'true' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const lines = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return { status: result.status, lines };
}

describe('platform/run-service', function () {
  this.timeout(30_000);

  it('logs an uncaught exception once and exits non-zero', () => {
    const { status, lines } = runCrashing(`throw new Error('boom')`);
    assert.equal(status, 1);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].msg, 'uncaught exception');
    assert.equal(lines[0].level, 'fatal');
    assert.match(lines[0].err.message, /boom/);
  });

  it('treats an unhandled rejection the same way', () => {
    const { status, lines } = runCrashing(`Promise.reject(new Error('lost')); Promise.reject(new Error('second'))`);
    assert.equal(status, 1);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['unhandled rejection'],
    );
  });
});
