import { strict as assert } from 'node:assert';
import { compareRanks, matchPathTemplate, parsePathTemplate, splitRequestPath, unescapeSegment } from './path-template';

const verbs = new Set(['login', 'cancel', 'batchGet']);
const match = (template: string, path: string) => {
  const request = splitRequestPath(path, verbs);
  return request && matchPathTemplate(parsePathTemplate(template), request);
};

describe('path templates (google.api.http, as Envoy matches them)', () => {
  it('parses literals, variables, custom verbs and multi-segment variables', () => {
    assert.deepEqual(parsePathTemplate('/v1/users:login'), {
      text: '/v1/users:login',
      segments: [
        { kind: 'literal', value: 'v1' },
        { kind: 'literal', value: 'users' },
      ],
      variables: [],
      verb: 'login',
    });
    const cancel = parsePathTemplate('/v1/orders/{order_id}:cancel');
    assert.equal(cancel.verb, 'cancel');
    assert.deepEqual(cancel.variables, [{ fieldPath: ['order_id'], start: 2, end: 3 }]);
    const nested = parsePathTemplate('/v1/{book.name=shelves/*/books/*}');
    assert.deepEqual(nested.variables, [{ fieldPath: ['book', 'name'], start: 1, end: 5 }]);
    assert.equal(nested.verb, undefined);
    assert.deepEqual(parsePathTemplate('/files/{path=**}').segments.at(-1), { kind: 'multi' });
  });

  it('refuses templates that are not in the grammar', () => {
    for (const bad of ['v1/users', '/v1/{id', '/v1//x', '/v1/{id}:', '/v1/**/**', '/v1/{a-b}', '/v1/{a={b}}']) {
      assert.throws(() => parsePathTemplate(bad), /invalid path template/, bad);
    }
  });

  it('binds a variable to one segment, decoded', () => {
    assert.deepEqual([...match('/v1/users/{user_id}', '/v1/users/ab%20c%2Fd')!.variables], [['user_id', 'ab c/d']]);
  });

  it('splits off only verbs some template declares: "a:b" stays an id', () => {
    assert.deepEqual(splitRequestPath('/v1/orders/o-1:cancel', verbs), { parts: ['v1', 'orders', 'o-1'], verb: 'cancel' });
    assert.deepEqual(splitRequestPath('/v1/users/a:b', verbs), { parts: ['v1', 'users', 'a:b'] });
    assert.equal(match('/v1/users/{user_id}', '/v1/users/a:b')!.variables.get('user_id'), 'a:b');
    assert.equal(match('/v1/users:login', '/v1/users'), undefined);
    assert.equal(match('/v1/users', '/v1/users:login'), undefined);
  });

  it('ignores the query string and trailing slashes', () => {
    assert.ok(match('/v1/products', '/v1/products/?pageSize=2'));
    assert.equal(splitRequestPath('no-slash', verbs), undefined);
  });

  it('keeps reserved characters escaped in multi-segment variables, like Envoy', () => {
    const matched = match('/v1/{name=shelves/*}', '/v1/shelves/a%2Fb%20c');
    assert.equal(matched!.variables.get('name'), 'shelves/a%2Fb c');
    assert.equal(match('/files/{path=**}', '/files/a/b/c')!.variables.get('path'), 'a/b/c');
  });

  it('decodes UTF-8 percent escapes', () => {
    assert.equal(unescapeSegment('caf%C3%A9', false), 'café');
    assert.equal(unescapeSegment('100%', false), '100%');
  });

  it('ranks literal segments above wildcards', () => {
    const literal = match('/v1/products/featured', '/v1/products/featured')!;
    const variable = match('/v1/products/{id}', '/v1/products/featured')!;
    assert.ok(compareRanks(literal.rank, variable.rank) < 0);
  });
});

describe('path templates Envoy accepts beyond the common ones', () => {
  it('matches the root template "/" against "/" only', () => {
    const root = parsePathTemplate('/');
    assert.deepEqual(root.segments, []);
    assert.ok(matchPathTemplate(root, splitRequestPath('/', verbs)!));
    assert.equal(matchPathTemplate(root, splitRequestPath('/a', verbs)!), undefined);
  });

  it('matches "**" in the middle, binding every segment between the fixed ones', () => {
    const template = parsePathTemplate('/a/{x=**}/b/{y}');
    const matched = matchPathTemplate(template, splitRequestPath('/a/1/2/3/b/z', verbs)!);
    assert.deepEqual(
      [...matched!.variables],
      [
        ['x', '1/2/3'],
        ['y', 'z'],
      ],
    );
    assert.equal(matchPathTemplate(template, splitRequestPath('/a/b/z', verbs)!), undefined, '"**" takes at least one segment');
  });

  it('treats any ":verb" as a verb with match_unregistered_custom_verb', () => {
    assert.deepEqual(splitRequestPath('/v1/users/a:b', verbs, true), { parts: ['v1', 'users', 'a'], verb: 'b' });
  });

  it('applies url_unescape_spec to multi-segment variables only', () => {
    const template = parsePathTemplate('/f/{p=**}');
    const request = splitRequestPath('/f/a%2Fb/c%3Ad', verbs)!;
    assert.equal(matchPathTemplate(template, request, 'ALL_CHARACTERS_EXCEPT_RESERVED')!.variables.get('p'), 'a%2Fb/c%3Ad');
    assert.equal(matchPathTemplate(template, request, 'ALL_CHARACTERS_EXCEPT_SLASH')!.variables.get('p'), 'a%2Fb/c:d');
    assert.equal(matchPathTemplate(template, request, 'ALL_CHARACTERS')!.variables.get('p'), 'a/b/c:d');
    assert.equal(
      matchPathTemplate(parsePathTemplate('/f/{p}'), splitRequestPath('/f/a%2Fb', verbs)!, 'ALL_CHARACTERS_EXCEPT_RESERVED')!.variables.get('p'),
      'a/b',
    );
  });
});
