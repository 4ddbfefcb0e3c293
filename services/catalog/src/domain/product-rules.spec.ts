import assert from 'node:assert/strict';
import { Code, type RpcError } from '../../../../platform/errors';
import type { CreateProductRequest, UpdateProductRequest } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { validateNewProduct, validateProductUpdate } from './product-rules';

const valid: CreateProductRequest = {
  name: ' Truffle Fries ',
  description: 'Fries with truffle oil.',
  category: 'sides',
  price: { currencyCode: 'EUR', amountMinor: '590' },
  stock: 10,
  tags: ['Vegan', ' potato ', 'vegan'],
  imageUrl: 'https://img.example.com/fries.jpg',
};

const update = (fields: Partial<UpdateProductRequest>): UpdateProductRequest => ({
  id: '4cd605e7-afa2-5360-b5b9-c5e9fb5c76f4',
  price: undefined,
  tags: [],
  replaceTags: false,
  ...fields,
});

const violatedFields = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.equal((error as RpcError).code, Code.INVALID_ARGUMENT);
    return (error as RpcError).details.fieldViolations!.map((v) => v.field);
  }
  assert.fail('expected INVALID_ARGUMENT');
};

describe('product rules', () => {
  it('normalizes a valid new product: trimmed name, lower-case unique tags', () => {
    const fields = validateNewProduct(valid);
    assert.equal(fields.name, 'Truffle Fries');
    assert.deepEqual(fields.tags, ['vegan', 'potato']);
    assert.deepEqual(fields.price, { currencyCode: 'EUR', amountMinor: '590' });
  });

  it('reports every bad field of a new product at once, by proto field name', () => {
    const fields = violatedFields(() =>
      validateNewProduct({
        name: '  ',
        description: '',
        category: 'Burgers!',
        price: { currencyCode: 'eur', amountMinor: '0' },
        stock: -1,
        tags: ['ok', ''],
        imageUrl: 'ftp://example.com/x.png',
      }),
    );
    assert.deepEqual(fields, ['name', 'category', 'price.currency_code', 'price.amount_minor', 'stock', 'tags[1]', 'image_url']);
  });

  it('requires a price', () => {
    assert.deepEqual(
      violatedFields(() => validateNewProduct({ ...valid, price: undefined })),
      ['price'],
    );
  });

  it('bounds amounts to whole minor units from 1 to 10^9', () => {
    for (const amountMinor of ['1000000001', '12.5', '-3', 'abc', '99999999999999']) {
      assert.deepEqual(
        violatedFields(() => validateNewProduct({ ...valid, price: { currencyCode: 'EUR', amountMinor } })),
        ['price.amount_minor'],
        amountMinor,
      );
    }
    assert.equal(validateNewProduct({ ...valid, price: { currencyCode: 'EUR', amountMinor: '1000000000' } }).price.amountMinor, '1000000000');
  });

  it('bounds names, stock, tags and image URLs', () => {
    assert.deepEqual(
      violatedFields(() => validateNewProduct({ ...valid, name: 'x'.repeat(121) })),
      ['name'],
    );
    assert.deepEqual(
      violatedFields(() => validateNewProduct({ ...valid, stock: 1_000_001 })),
      ['stock'],
    );
    assert.deepEqual(
      violatedFields(() => validateNewProduct({ ...valid, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })),
      ['tags'],
    );
    assert.deepEqual(
      violatedFields(() => validateNewProduct({ ...valid, tags: ['x'.repeat(33)] })),
      ['tags[0]'],
    );
    assert.deepEqual(
      violatedFields(() => validateNewProduct({ ...valid, imageUrl: `https://e.com/${'x'.repeat(510)}` })),
      ['image_url'],
    );
    assert.equal(validateNewProduct({ ...valid, imageUrl: '' }).imageUrl, '');
  });

  it('keeps only the fields an update sets', () => {
    const { id, changes } = validateProductUpdate(update({ id: '4CD605E7-AFA2-5360-B5B9-C5E9FB5C76F4', stock: 0 }));
    assert.equal(id, '4cd605e7-afa2-5360-b5b9-c5e9fb5c76f4');
    assert.deepEqual(changes, { stock: 0 });
  });

  it('replaces tags only with replace_tags, and an empty list then clears them', () => {
    assert.deepEqual(validateProductUpdate(update({ replaceTags: true })).changes, { tags: [] });
    assert.deepEqual(
      violatedFields(() => validateProductUpdate(update({ tags: ['new'] }))),
      ['replace_tags'],
    );
  });

  it('validates the id and every set field of an update', () => {
    assert.deepEqual(
      violatedFields(() => validateProductUpdate(update({ id: 'nope', name: '', price: { currencyCode: 'EU', amountMinor: '5' } }))),
      ['id', 'name', 'price.currency_code'],
    );
  });
});
