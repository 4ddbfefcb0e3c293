import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

  // buf itself requires the against input on the command line (`buf breaking --help`:
  // "--against ... Required, except if --against-registry is set"); buf.yaml v2 has no key
  // for it. If a later buf reads it from configuration, this fails: drop `npm run breaking`'s
  // arguments then.
  it('breaking: buf requires --against on the command line, so `npm run breaking` is the one command', () => {
    const bare = atRoot('breaking');
    assert.notEqual(bare.status, 0);
    assert.match(bare.stdout + bare.stderr, /Must set --against/);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    assert.equal(pkg.scripts.breaking, 'buf breaking proto --against contracts/released.binpb');
    const npm = spawnSync('npm', ['run', '--silent', 'breaking'], { cwd: root, encoding: 'utf8' });
    assert.equal(npm.status, 0, npm.stdout + npm.stderr);
  });
});
