import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as SystemPackages from '../../scripts/system-packages.mjs' with { 'resolution-mode': 'import' };

const root = join(__dirname, '..', '..');
let readToolList: typeof SystemPackages.readToolList;
let toolPlan: typeof SystemPackages.toolPlan;

/** A PATH holding nothing but node: a fresh machine as far as the listed tools go. */
function barePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-bare-path-'));
  symlinkSync(process.execPath, join(dir, 'node'));
  return dir;
}

describe('system tools of npm start and npm test (scripts/system-packages.txt)', () => {
  let bare: string;
  before(async () => {
    ({ readToolList, toolPlan } = await import('../../scripts/system-packages.mjs'));
    bare = barePath();
  });
  after(() => rmSync(bare, { recursive: true, force: true }));

  it('is the one list .ci/run installs from, too', () => {
    assert.match(readFileSync(join(root, '.ci', 'run'), 'utf8'), /done < scripts\/system-packages\.txt/);
    assert.ok(readToolList().some((t) => t.command === 'chromium' && t.pkg === 'chromium'));
  });

  it('installs every missing tool of the tests as root where apt-get is', () => {
    const plan = toolPlan({ tools: readToolList(), purpose: 'test', path: bare, isRoot: true, hasApt: true });
    assert.equal(plan.action, 'install');
    assert.deepEqual(plan.packages, ['default-jdk-headless', 'maven', 'chromium', 'prometheus', 'docker-compose', 'yamllint', 'kubernetes-client']);
  });

  it('needs only the broker tools for npm start', () => {
    const plan = toolPlan({ tools: readToolList(), purpose: 'start', path: bare, isRoot: true, hasApt: true });
    assert.deepEqual(plan.packages, ['default-jdk-headless', 'maven']);
  });

  it('otherwise stops with one message naming the one command to run', () => {
    const plan = toolPlan({ tools: readToolList(), purpose: 'test', path: bare, isRoot: false, hasApt: true });
    assert.equal(plan.action, 'stop');
    assert.match(plan.message!, /\n {2}sudo apt-get install -y --no-install-recommends default-jdk-headless maven chromium prometheus/);
  });

  it('does nothing when every tool is on PATH', () => {
    const plan = toolPlan({
      tools: [{ command: 'node', pkg: 'nodejs', neededBy: ['test'], why: '' }],
      purpose: 'test',
      path: bare,
      isRoot: false,
      hasApt: false,
    });
    assert.equal(plan.action, 'none');
  });

  it('says in a dry run what it would do, changing nothing', () => {
    symlinkSync('/usr/bin/apt-get', join(bare, 'apt-get'));
    const result = spawnSync(process.execPath, ['scripts/ensure-ready.mjs', '--for', 'test', '--dry-run'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: bare },
    });
    if (process.getuid?.() === 0) {
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /would run: .*apt-get install .* chromium prometheus docker-compose yamllint kubernetes-client/);
    } else {
      assert.equal(result.status, 1, result.stdout + result.stderr);
      assert.match(result.stderr, /sudo apt-get install/);
    }
  });
});
