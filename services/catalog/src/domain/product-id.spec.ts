import assert from 'node:assert/strict';
import { RpcError } from '../../../../platform/errors';
import { nameBasedId, parseProductId, seededProductId, slugOf } from './product-id';

const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

describe('product ids', () => {
  it('computes the same version 5 UUIDs as other uuid libraries', () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_URL, 'x')
    assert.equal(nameBasedId(NAMESPACE_URL, 'x'), '4cd605e7-afa2-5360-b5b9-c5e9fb5c76f4');
  });

  it('derives seeded ids from category and name slug, ignoring case and accents', () => {
    assert.equal(seededProductId('desserts', 'Crème Brûlée'), seededProductId('desserts', 'creme brulee'));
    assert.notEqual(seededProductId('desserts', 'Tiramisu'), seededProductId('drinks', 'Tiramisu'));
    assert.equal(slugOf('  Classic Cheeseburger! '), 'classic-cheeseburger');
  });

  it('accepts UUIDs in any case and answers them lower-case', () => {
    assert.equal(parseProductId('4CD605E7-AFA2-5360-B5B9-C5E9FB5C76F4'), '4cd605e7-afa2-5360-b5b9-c5e9fb5c76f4');
  });

  it('rejects anything else, naming the field', () => {
    assert.throws(
      () => parseProductId('42', 'ids[1]'),
      (error: RpcError) => error.details.fieldViolations?.[0].field === 'ids[1]',
    );
  });
});
