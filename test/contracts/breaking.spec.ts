import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const buf = join(root, 'node_modules', '.bin', 'buf');
const usersProto = join('proto', 'shop', 'users', 'v1', 'users.proto');

/** A scratch copy of the contracts that a test may break. */
function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-contracts-'));
  cpSync(join(root, 'proto'), join(dir, 'proto'), { recursive: true });
  cpSync(join(root, 'buf.yaml'), join(dir, 'buf.yaml'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function breaking(dir: string) {
  return spawnSync(buf, ['breaking', 'proto', '--against', join(root, 'contracts', 'released.binpb')], { cwd: dir, encoding: 'utf8' });
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  assert.notEqual(after, before, 'the edit must change the contract');
  writeFileSync(path, after);
}

describe('buf breaking against the released contracts', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = scratchCopy();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes for the contracts as they are', () => {
    const result = breaking(dir);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('passes when a field is added', () => {
    edit(dir, usersProto, (t) => t.replace('message SuggestNamesRequest {', 'message SuggestNamesRequest {\n  string locale = 2;'));
    const result = breaking(dir);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('fails when a field is removed', () => {
    edit(dir, usersProto, (t) => t.replace(/\n\s*string display_name = 2;/, ''));
    const result = breaking(dir);
    assert.notEqual(result.status, 0);
    assert.match(result.stdout + result.stderr, /display_name|field "2"/i);
  });

  it('fails when a field is renumbered', () => {
    edit(dir, usersProto, (t) => t.replace('string password = 2 [', 'string password = 9 ['));
    const result = breaking(dir);
    assert.notEqual(result.status, 0);
    assert.match(result.stdout + result.stderr, /password|field "2"|field "9"/i);
  });

  it('fails when an RPC is removed', () => {
    edit(dir, usersProto, (t) => t.replace(/\n  \/\/ 1-100 random display names.*?\n  \}\n/s, '\n'));
    const result = breaking(dir);
    assert.notEqual(result.status, 0);
    assert.match(result.stdout + result.stderr, /SuggestNames/);
  });
});
