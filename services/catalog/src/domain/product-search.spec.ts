import assert from 'node:assert/strict';
import { Violations, type RpcError } from '../../../../platform/errors';
import { checkQuery, containsPattern, searchTerms } from './product-search';

describe('product search', () => {
  it('splits a query into distinct lower-case words in a canonical order', () => {
    assert.deepEqual(searchTerms('  Spicy   burger spicy '), ['burger', 'spicy']);
    assert.deepEqual(searchTerms(''), []);
  });

  it('bounds the query', () => {
    const onQuery = (error: RpcError) => error.details.fieldViolations?.[0].field === 'query';
    for (const query of ['x'.repeat(101), 'a b c d e f g h i']) {
      assert.throws(
        () => {
          const v = new Violations();
          checkQuery(v, query, searchTerms(query));
          v.throwIfAny();
        },
        onQuery,
        query,
      );
    }
  });

  it('matches LIKE wildcards literally', () => {
    assert.equal(containsPattern('50%_off\\'), '%50\\%\\_off\\\\%');
  });
});
