import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const buf = join(root, 'node_modules', '.bin', 'buf');

/** As buf users and buf's CI action run it: at the repository root, no input argument. */
const atRoot = (...args: string[]) => spawnSync(buf, args, { cwd: root, encoding: 'utf8' });

describe('the buf workspace (buf.yaml)', function () {
  this.timeout(60_000);

  it('builds from the repository root with no input argument', () => {
    const result = atRoot('build');
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('lints from the repository root with no input argument, our contracts only', () => {
    const result = atRoot('lint');
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });
});
