import assert from 'node:assert/strict';
import { Code, type RpcError } from '../../../../platform/errors';
import type { Product } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { inRequestOrder, parseBatchIds } from './batch-get';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const C = 'cccccccc-0000-4000-8000-000000000003';
const product = (id: string) => ({ id }) as Product;

describe('batch get', () => {
  it('keeps request order and duplicates', () => {
    const found = new Map([
      [A, product(A)],
      [B, product(B)],
    ]);
    assert.deepEqual(
      inRequestOrder([B, A, B], found).map((p) => p.id),
      [B, A, B],
    );
  });

  it('names every missing id once, in ErrorInfo metadata and the message', () => {
    assert.throws(
      () => inRequestOrder([A, B, C, B], new Map([[A, product(A)]])),
      (error: RpcError) => {
        assert.equal(error.code, Code.NOT_FOUND);
        assert.equal(error.details.metadata?.missing_ids, `${B},${C}`);
        assert.deepEqual(error.details.resource, { type: 'product', name: B });
        assert.match(error.message, new RegExp(`${B}.*${C}`));
        return true;
      },
    );
  });

  it('takes 1-100 ids and names each malformed one', () => {
    const fields = (ids: string[]) => {
      try {
        parseBatchIds(ids);
        return [];
      } catch (error) {
        return (error as RpcError).details.fieldViolations!.map((v) => v.field);
      }
    };
    assert.deepEqual(fields([]), ['ids']);
    assert.deepEqual(fields(Array(101).fill(A)), ['ids']);
    assert.deepEqual(fields([A, 'x', B, '']), ['ids[1]', 'ids[3]']);
    assert.deepEqual(parseBatchIds([A.toUpperCase()]), [A]);
  });
});
