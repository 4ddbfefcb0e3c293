import assert from 'node:assert/strict';
import { Code, RpcError, Violations } from './errors';
import { createPageTokens, pageSize } from './page-token';

const tokens = createPageTokens('ListThings');
const filter = { userId: 'u-1' };

function refusedField(work: () => unknown): string[] | undefined {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof RpcError);
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    return error.details.fieldViolations?.map((v) => v.field);
  }
  assert.fail('nothing was refused');
}

describe('page tokens', () => {
  it('round-trips a sort key as URL-safe text, and reads no token as the first page', () => {
    const token = tokens.encode(['Crème Brûlée', 'abc'], filter);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(tokens.decode(token, filter), ['Crème Brûlée', 'abc']);
    assert.equal(tokens.decode('', filter), undefined);
  });

  it('refuses malformed tokens as INVALID_ARGUMENT on page_token, naming the RPC', () => {
    const bodies = ['{"v":1}', 'null', '[]', '{"v":2,"k":["a"],"f":"x"}', '{"v":1,"k":[1],"f":"x"}'];
    for (const token of ['not a token', '!!!', 'e30', ...bodies.map((b) => Buffer.from(b).toString('base64url'))]) {
      assert.deepEqual(
        refusedField(() => tokens.decode(token, filter)),
        ['page_token'],
        token,
      );
      assert.deepEqual(tokens.read(token, filter), { problem: 'is not a page token from a previous ListThings response' });
    }
  });

  it('refuses a token issued for another filter', () => {
    const token = tokens.encode(['a'], filter);
    assert.deepEqual(tokens.read(token, { userId: 'u-2' }), { problem: 'was issued for a different filter' });
  });

  it('reads an earlier token format through legacyKey, and only that', () => {
    const legacy = createPageTokens('ListThings', { legacyKey: ({ n }) => (typeof n === 'string' ? [n] : undefined) });
    const { f } = JSON.parse(Buffer.from(legacy.encode(['x'], filter), 'base64url').toString());
    const old = Buffer.from(JSON.stringify({ v: 1, n: 'a', f })).toString('base64url');
    assert.deepEqual(legacy.decode(old, filter), ['a']);
    assert.deepEqual(
      refusedField(() => tokens.decode(old, filter)),
      ['page_token'],
    );
  });
});

describe('page size', () => {
  it('reads 0 as the default and refuses sizes outside 0..max', () => {
    assert.equal(pageSize(0), 20);
    assert.equal(pageSize(100), 100);
    assert.equal(pageSize(0, { defaultSize: 5, max: 10 }), 5);
    assert.deepEqual(
      refusedField(() => pageSize(101)),
      ['page_size'],
    );
    assert.deepEqual(
      refusedField(() => pageSize(-1)),
      ['page_size'],
    );
  });

  it('adds its problem to the request’s violations when given them', () => {
    const v = new Violations();
    pageSize(500, {}, v);
    v.add('category', 'bad');
    assert.deepEqual(
      refusedField(() => v.throwIfAny()),
      ['page_size', 'category'],
    );
  });
});
